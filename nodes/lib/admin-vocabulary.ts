// The lists the editor offers as choices (channel types, profiles, providers, hook triggers,
// permission values...) come from the runtime through one admin endpoint, so that the node HTML
// never carries a copy. Guarded like Node-RED's own admin API: with adminAuth set, only users
// holding `roomwire.read` (or `read`, or `*`) get them.
import { vocabulary } from '@roomwire/runtime';
import type { NodeAPI } from 'node-red';
import { NOTIFICATION_CATEGORIES } from './notification-msg';

/** The path under the admin root (httpAdminRoot) that the editor's resources/roomwire-editor.js reads. */
export const VOCABULARY_PATH = '/roomwire/vocabulary';
export const READ_PERMISSION = 'roomwire.read';

export function serveVocabulary(RED: NodeAPI): void {
  const body = { ...vocabulary(), eventCategories: [...NOTIFICATION_CATEGORIES] };
  RED.httpAdmin.get(VOCABULARY_PATH, RED.auth.needsPermission(READ_PERMISSION), (_req, res) => {
    res.json(body);
  });
}
