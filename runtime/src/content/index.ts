export * from './types';
export { contentSchema, CUSTOM_TYPE_PATTERN } from './schema';
export { contentLimits } from './limits';
export { contentLimitsError, type ContentLimitsError } from './limitsError';
export { buttonAction, choicePostback, type ButtonAction } from './choices';
export { mediaKind, type MediaKind } from './media';
