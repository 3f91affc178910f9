// What a Node-RED settings.js can use from this package: `require('@roomwire/node-red')`.
export { rejectHostileBodies, type HostileBodyOptions } from './hostile-bodies';
