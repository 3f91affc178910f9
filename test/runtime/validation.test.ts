// Schema errors name the field for every operation of the table, and the 32 KB metadata limit
// holds on rooms, bindings and events on every path that writes them.
import { afterEach, describe, expect, it } from 'vitest';
import { listOperations, type Room } from '../../runtime/src';
import { cleanupAll, createRoom, openTestEngine, rejection, rowCounts, webhookRequest } from './support/engine';
import { sampleInput, wrongValue } from './support/schema-samples';

afterEach(cleanupAll);

const LIMIT = 32 * 1024;
/** Metadata whose JSON is exactly `bytes` long. */
const metadataOf = (bytes: number) => ({ pad: 'x'.repeat(bytes - '{"pad":""}'.length) });

describe('schema errors name the field, for every operation', () => {
  for (const op of listOperations()) {
    it(`${op.name}`, async () => {
      const { engine, path } = await openTestEngine();
      const schema = op.input as { properties: Record<string, Record<string, unknown>>; required?: string[] };
      const valid = sampleInput(op);
      expect(() => op.validate(structuredClone(valid))).not.toThrow();
      const before = await rowCounts(path);
      const expectInvalid = async (input: unknown, field: string) => {
        const error = await rejection(engine.call(op.name, input));
        expect({ input, code: error.code, field: error.field, status: error.httpStatus }).toEqual({ input, code: 'invalid_input', field, status: 400 });
        expect(error.message.startsWith(`${field}: `)).toBe(true);
      };

      await expectInvalid({ ...valid, unexpected: 1 }, 'unexpected');
      await expectInvalid(JSON.parse(`{"__proto__": {"polluted": true}, ${JSON.stringify(valid).slice(1, -1) || '"x":1'}}`), '__proto__');
      for (const junk of ['text', 42, [valid], true]) await expectInvalid(junk, '(input)');
      for (const name of schema.required ?? []) {
        const { [name]: _missing, ...rest } = valid;
        await expectInvalid(rest, name);
      }
      for (const [name, property] of Object.entries(schema.properties ?? {})) {
        const error = await rejection(engine.call(op.name, { ...valid, [name]: wrongValue(property) }));
        expect(error.code).toBe('invalid_input');
        expect(error.field === name || error.field!.startsWith(`${name}.`) || error.field!.startsWith(`${name}[`)).toBe(true);
      }
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
      expect(await rowCounts(path)).toEqual(before);
    });
  }

  it('nested fields are named with dots and brackets', async () => {
    const { engine } = await openTestEngine();
    const cases: [string, unknown, string][] = [
      ['createRoom', { bindings: [{ channelId: 'web', address: 'a' }, { channelId: 'web' }] }, 'bindings[1].address'],
      ['createRoom', { bindings: [{ channelId: 'web', address: 'a', access: 'admin' }] }, 'bindings[0].access'],
      ['createRoom', { timers: { inactiveAfter: 'one hour' } }, 'timers.inactiveAfter'],
      ['sendEvent', { roomId: 'r', content: { type: 'media', url: 'ftp://x', mimeType: 'image/png' } }, 'content.url'],
      ['sendEvent', { roomId: 'r', content: { type: 'list', text: 't', button: 'b', sections: [{ rows: [{ id: '1' }] }] } }, 'content.sections[0].rows[0].title'],
      ['sendEvent', { roomId: 'r', content: { type: 'rich', buttons: [{ title: 'a', id: 'x' }, { title: 'b', id: 'x' }] } }, 'content.buttons[1].id'],
      ['addRoomHook', { roomId: 'r', name: 'n', trigger: 'before_broadcast', target: { handler: 'h' }, filters: { directions: ['sideways'] } }, 'filters.directions[0]'],
      ['addRoomHook', { roomId: 'r', name: 'n', trigger: 'before_broadcast', target: { url: 'file:///etc/passwd' } }, 'target.url'],
    ];
    for (const [name, input, field] of cases) {
      expect({ name, field: (await rejection(engine.call(name, input))).field }).toEqual({ name, field });
    }
  });

  it('an unknown operation is a 404 naming the operation', async () => {
    const { engine } = await openTestEngine();
    for (const name of ['nope', '__proto__', 'constructor', 'toString', '']) {
      expect(await rejection(engine.call(name, {}))).toMatchObject({ code: 'not_found', field: 'operation', httpStatus: 404 });
    }
  });
});

describe('metadata is limited to 32 KB on rooms, bindings and events', () => {
  it('room: createRoom and updateRoomMetadata, including after a merge', async () => {
    const { engine, path } = await openTestEngine();
    expect((await engine.call<{ room: Room }>('createRoom', { metadata: metadataOf(LIMIT) })).room.metadata).toEqual(metadataOf(LIMIT));
    const before = await rowCounts(path);
    expect(await rejection(engine.call('createRoom', { metadata: metadataOf(LIMIT + 1) }))).toMatchObject({ code: 'invalid_input', field: 'metadata' });
    const { room } = await createRoom(engine, [], { metadata: { a: 'x'.repeat(20_000) } });
    const after = await rowCounts(path);
    expect(await rejection(engine.call('updateRoomMetadata', { roomId: room.id, metadata: metadataOf(LIMIT + 1) }))).toMatchObject({ field: 'metadata' });
    // Each half fits; merged they do not.
    expect(await rejection(engine.call('updateRoomMetadata', { roomId: room.id, metadata: { b: 'y'.repeat(20_000) } }))).toMatchObject({
      code: 'invalid_input',
      field: 'metadata',
    });
    const { room: stored } = await engine.call<{ room: Room }>('getRoom', { roomId: room.id });
    expect(Object.keys(stored.metadata)).toEqual(['a']);
    expect(await rowCounts(path)).toEqual(after);
    expect(before.rooms).toBe(after.rooms - 1);
    await engine.call('updateRoomMetadata', { roomId: room.id, metadata: { b: 'y'.repeat(20_000) }, replace: true });
  });

  it('binding: attachBinding, createRoom bindings and updateBinding', async () => {
    const { engine, path } = await openTestEngine();
    const { room, b } = await createRoom(engine);
    const before = await rowCounts(path);
    expect(await rejection(engine.call('attachBinding', { roomId: room.id, channelId: 'web', address: 'v2', metadata: metadataOf(LIMIT + 1) }))).toMatchObject({
      code: 'invalid_input',
      field: 'metadata',
    });
    expect(
      await rejection(engine.call('createRoom', { bindings: [{ channelId: 'web', address: 'a' }, { channelId: 'web', address: 'b', metadata: metadataOf(LIMIT + 1) }] })),
    ).toMatchObject({ field: 'bindings[1].metadata' });
    expect(await rejection(engine.call('updateBinding', { bindingId: b['visitor-1']!.id, metadata: metadataOf(LIMIT + 1) }))).toMatchObject({ field: 'metadata' });
    expect(await rowCounts(path)).toEqual(before);
    await engine.call('updateBinding', { bindingId: b['visitor-1']!.id, metadata: metadataOf(LIMIT) });
  });

  it('event: sendEvent and provider inbound', async () => {
    const { engine, path } = await openTestEngine();
    const { room } = await createRoom(engine);
    const before = await rowCounts(path);
    expect(await rejection(engine.call('sendEvent', { roomId: room.id, content: { type: 'text', text: 'x' }, metadata: metadataOf(LIMIT + 1) }))).toMatchObject({
      code: 'invalid_input',
      field: 'metadata',
    });
    expect(await rejection(engine.handleWebhook('sms', webhookRequest({ from: '+15550001', text: 'x', metadata: metadataOf(LIMIT + 1) })))).toMatchObject({
      code: 'invalid_input',
      field: 'metadata',
    });
    expect(await rowCounts(path)).toEqual(before);
    await engine.call('sendEvent', { roomId: room.id, content: { type: 'text', text: 'x' }, metadata: metadataOf(LIMIT) });
    await engine.handleWebhook('sms', webhookRequest({ from: '+15550001', text: 'x', metadata: metadataOf(LIMIT - 100) }));
  });

  it('multi-byte characters count as bytes, not characters', async () => {
    const { engine } = await openTestEngine();
    const emoji = '😀'.repeat(LIMIT / 4); // 4 bytes each in UTF-8: the JSON is over 32 KB
    expect(await rejection(engine.call('createRoom', { metadata: { e: emoji } }))).toMatchObject({ field: 'metadata' });
  });
});

describe('a rejected call stores nothing', () => {
  it('createRoom whose second binding names an unknown channel creates no identity for the first', async () => {
    const { engine, path } = await openTestEngine();
    const before = await rowCounts(path);
    const error = await rejection(engine.call('createRoom', { bindings: [{ channelId: 'web', address: 'new-person' }, { channelId: 'nope', address: 'x' }] }));
    expect(error).toMatchObject({ code: 'not_found', field: 'bindings[1].channelId' });
    await engine.idle();
    expect(await rowCounts(path)).toEqual(before);
  });

  it('attachBinding to an unknown or closed room creates no identity', async () => {
    const { engine, path } = await openTestEngine();
    const { room } = await createRoom(engine);
    await engine.call('closeRoom', { roomId: room.id });
    const before = await rowCounts(path);
    expect(await rejection(engine.call('attachBinding', { roomId: 'rm_missing', channelId: 'web', address: 'someone-new' }))).toMatchObject({ code: 'not_found' });
    expect(await rejection(engine.call('attachBinding', { roomId: room.id, channelId: 'web', address: 'someone-else' }))).toMatchObject({ code: 'room_closed' });
    await engine.idle();
    expect(await rowCounts(path)).toEqual(before);
  });

  it('values JSON cannot carry are refused naming the field, before anything is written', async () => {
    const { engine, path } = await openTestEngine();
    const { room } = await createRoom(engine);
    const before = await rowCounts(path);
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    let deep: unknown = 'bottom';
    for (let i = 0; i < 10_000; i++) deep = [deep];
    const cases: [unknown, string][] = [
      [{ roomId: room.id, content: { type: 'text', text: 'x' }, metadata: { loop: circular } }, 'metadata.loop.self'],
      [{ roomId: room.id, content: { type: 'text', text: 'x' }, metadata: { big: BigInt(1) } }, 'metadata.big'],
      [{ roomId: room.id, content: { type: 'text', text: 'x' }, metadata: { fn: () => 1 } }, 'metadata.fn'],
      [{ roomId: room.id, content: { type: 'text', text: 'x' }, metadata: { n: NaN } }, 'metadata.n'],
      [{ roomId: room.id, content: { type: 'custom:acme', data: { deep } } }, 'content.data.deep'],
      [{ roomId: room.id, content: { type: 'text', text: 'x' }, metadata: { deep } }, 'metadata.deep'],
    ];
    for (const [input, field] of cases) {
      const error = await rejection(engine.call('sendEvent', input));
      expect(error.code).toBe('invalid_input');
      expect(error.field!.startsWith(field)).toBe(true);
    }
    expect(await rowCounts(path)).toEqual(before);
    // 64 levels of nesting, counting the input object itself, are allowed; a 65th is not.
    let ok: unknown = 1;
    for (let i = 0; i < 63; i++) ok = { a: ok };
    await engine.call('sendEvent', { roomId: room.id, content: { type: 'text', text: 'x' }, metadata: ok });
    expect((await rejection(engine.call('sendEvent', { roomId: room.id, content: { type: 'text', text: 'x' }, metadata: { a: ok } }))).field).toMatch(/^metadata(\.a)+$/);
  });

  it('only a cycle is circular: one object met twice side by side passes, and the path of a refused input is forgotten', async () => {
    const { engine } = await openTestEngine();
    const { room } = await createRoom(engine);
    const shared = { note: 'same object twice' };
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    await engine.call('sendEvent', { roomId: room.id, content: { type: 'text', text: 'x' }, metadata: { first: shared, second: shared } });
    expect((await rejection(engine.call('sendEvent', { roomId: room.id, content: { type: 'text', text: 'x' }, metadata: { loop: circular } }))).field).toBe('metadata.loop.self');
    // The objects on the path of a refused walk are not taken for ancestors of the next one.
    const holder: Record<string, unknown> = { n: NaN };
    expect((await rejection(engine.call('sendEvent', { roomId: room.id, content: { type: 'text', text: 'x' }, metadata: { holder } }))).field).toBe('metadata.holder.n');
    holder.n = 1;
    await engine.call('sendEvent', { roomId: room.id, content: { type: 'text', text: 'x' }, metadata: { holder } });
  });
});
