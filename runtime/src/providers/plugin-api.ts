// What a provider written outside Roomwire (a Node-RED plugin package) sees of the runtime: the
// Provider contract and the error classes it is handed. Its declarations ship in the Node-RED
// package as `@roomwire/node-red/provider` (scripts/provider-types.js copies them with what they
// import), so this file and everything it imports must import nothing outside the runtime.
export * from './contract';
export { RoomwireError, type ErrorCode } from '../errors';
export type { CapabilitiesOverride } from '../capabilities';
export type { Channel, Content, DeliveryStatus, FallbackPolicy, Json, JsonObject, RoomEvent } from '../model';
