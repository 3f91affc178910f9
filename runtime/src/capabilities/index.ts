export * from './types';
export { profiles, GENERIC_PROFILE, standardSmsSegments } from './profiles';
export { capabilitiesFor, combineOverrides } from './override';
