// Versioned node configs: a flow saved before versions existed, or at an older version (the
// fixtures are the example flows as they were saved then), is brought to today's format the same
// way by the nodes and the editor (resources/roomwire-migrations.js); today's flows are current.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';

const require = createRequire(import.meta.url);
const { migrate, currentVersion } = require('../../resources/roomwire-migrations.js') as {
  migrate(type: string, config: Record<string, unknown>, findChannel?: (channelId: string) => string | undefined): Record<string, any>;
  currentVersion(type: string): number;
};

type FlowNode = Record<string, any> & { id: string; type: string };
const read = (file: string) => JSON.parse(readFileSync(new URL(file, import.meta.url), 'utf8')) as FlowNode[];

/** Every Roomwire node of a flow migrated as the runtime does (channel ids looked up among its channel nodes). */
function migrated(flow: FlowNode[]): Map<string, Record<string, any>> {
  const findChannel = (channelId: string) =>
    flow.find((n) => n.type === 'roomwire-channel' && ((n.channelId ?? '').trim() || n.id) === channelId)?.id;
  return new Map(flow.filter((n) => n.type.startsWith('roomwire-')).map((n) => [n.id, migrate(n.type, n, findChannel)]));
}

describe('node config migrations', () => {
  it('gives every node of an old flow the current version', () => {
    for (const file of ['fixtures/legacy-webhook-room.json', 'fixtures/legacy-rich-message.json', 'fixtures/legacy-merge-identity.json']) {
      for (const [id, config] of migrated(read(file))) {
        expect(config.version, `${file} ${id}`).toBe(currentVersion(config.type));
        expect(config.version, `${file} ${id}`).toBeGreaterThan(0);
      }
    }
  });

  it('turns channel ids typed into room in nodes into references to the channel nodes', () => {
    const rich = migrated(read('fixtures/legacy-rich-message.json'));
    expect(rich.get('rich-sms-in')).toMatchObject({ mode: 'events', channel: 'rich-sms-channel', onlyChannel: true, channelIds: '' });
    const demo = migrated(read('fixtures/legacy-webhook-room.json'));
    expect(demo.get('observer-in')).toMatchObject({ mode: 'participant', channel: 'demo-observer-channel', channelIds: '' });
    expect(demo.get('observer-in')).not.toHaveProperty('channelId');
    expect(demo.get('tasks-in')).toMatchObject({ channel: '', onlyChannel: false });
  });

  it('keeps channel ids no channel node carries, so the filter still applies', () => {
    const config = migrate('roomwire-room-in', { type: 'roomwire-room-in', mode: 'events', channelIds: 'sms-a, sms-b' }, () => undefined);
    expect(config).toMatchObject({ channel: '', onlyChannel: false, channelIds: 'sms-a, sms-b' });
  });

  it('keeps a send node reading its writer from msg, and gives old channels their provider', () => {
    const demo = migrated(read('fixtures/legacy-webhook-room.json'));
    expect(demo.get('say-send')).toMatchObject({ speaker: 'msg', bindingId: '', channel: '', address: '' });
    const merge = migrated(read('fixtures/legacy-merge-identity.json'));
    expect(merge.get('merge-sms-channel')).toMatchObject({ channelType: 'webhook', provider: 'webhook', profile: 'sms' });
    expect(migrate('roomwire-channel', { type: 'roomwire-channel', channelType: 'flow' })).toMatchObject({ channelType: 'flow', provider: 'flow' });
  });

  it('brings a flow saved at version 1 (the example flows as they were saved then) to exactly today\'s example flow', () => {
    for (const [fixture, today] of [
      ['fixtures/v1-webhook-room.json', '../../flows/webhook-room.json'],
      ['fixtures/v1-rich-message.json', '../../flows/rich-message.json'],
    ] as const) {
      const expected = read(today);
      for (const [id, config] of migrated(read(fixture))) expect(config, `${fixture} ${id}`).toEqual(expected.find((n) => n.id === id));
    }
  });

  it('keeps mute, visibility and fallback nodes of version 1 reading their participant from their id or msg', () => {
    for (const type of ['roomwire-mute', 'roomwire-visibility', 'roomwire-fallback']) {
      expect(migrate(type, { type, version: 1, bindingId: 'bnd_1' }), type).toMatchObject({ version: 2, target: 'msg', bindingId: 'bnd_1', channel: '', address: '' });
    }
  });

  it('turns the channel ids of fallback and hook nodes of version 1 into channel node references', () => {
    const channels: Record<string, string> = { sms: 'node-sms', email: 'node-email' };
    const find = (id: string) => channels[id];
    expect(migrate('roomwire-fallback', { type: 'roomwire-fallback', version: 1, channels: 'email, sms' }, find)).toMatchObject({ channels: ['node-email', 'node-sms'], channelIds: '' });
    // Order matters: unless every id names a channel node, the typed list stays whole.
    expect(migrate('roomwire-fallback', { type: 'roomwire-fallback', version: 1, channels: 'email, pager' }, find)).toMatchObject({ channels: [], channelIds: 'email, pager' });
    expect(migrate('roomwire-hook', { type: 'roomwire-hook', version: 1, channelIds: 'sms, pager' }, find)).toMatchObject({ channels: ['node-sms'], channelIds: 'pager' });
    expect(migrate('roomwire-hook', { type: 'roomwire-hook', version: 1, channelIds: '' }, find)).toMatchObject({ channels: [], channelIds: '' });
  });

  it('makes explicit what a transcode node of version 1 transcoded for: its channel, else its profile, else msg', () => {
    const transcode = (config: Record<string, unknown>) => migrate('roomwire-transcode', { type: 'roomwire-transcode', version: 1, ...config }).target;
    expect(transcode({ channel: 'node-sms', channelType: 'webchat' })).toBe('channel');
    expect(transcode({ channel: '', channelType: 'sms' })).toBe('profile');
    expect(transcode({ channel: '', channelType: '' })).toBe('msg');
  });

  it("leaves today's example flows as they are", () => {
    for (const file of ['../../flows/webhook-room.json', '../../flows/rich-message.json', '../../flows/ai-first-human-on-escalation.json']) {
      const flow = read(file);
      for (const [id, config] of migrated(flow)) expect(config, `${file} ${id}`).toEqual(flow.find((n) => n.id === id));
    }
  });
});
