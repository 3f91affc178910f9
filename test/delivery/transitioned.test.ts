// A transition writes a new delivery record field by field (delivery/status.ts): it must equal the
// current record with the changes laid over it, and keep an absent optional field absent.
import { describe, expect, it } from 'vitest';
import type { Delivery } from '../../runtime/src';
import { transitioned } from '../../runtime/src/delivery/status';

const queued: Delivery = {
  id: 'dlv_1',
  eventId: 'evt_1',
  roomId: 'rm_1',
  eventIndex: 4,
  bindingId: 'bnd_1',
  channelId: 'sms',
  status: 'queued',
  attempts: 1,
  providerMessageId: null,
  error: { code: 'provider_error', reason: 'timeout' },
  fallbackOf: 'dlv_0',
  createdAt: '2025-01-01T00:00:00.000Z',
  updatedAt: '2025-01-01T00:00:00.000Z',
};

describe('a delivery after a transition', () => {
  it('is the current record with the changes, status, error and time laid over it', () => {
    const sent = { parts: [{ type: 'text' as const, text: 'hi' }], degradations: [] };
    const changes = { attempts: 2, providerMessageId: 'SM1', sent };
    const next = transitioned(queued, changes, 'sent', null, '2025-01-01T00:00:01.000Z');
    expect(next).toStrictEqual({ ...queued, ...changes, status: 'sent', error: null, updatedAt: '2025-01-01T00:00:01.000Z' });
  });

  it('keeps what the changes leave out, and an optional field the record lacks stays out of its JSON', () => {
    const next = transitioned(queued, {}, 'failed', queued.error, '2025-01-01T00:00:02.000Z');
    expect(JSON.parse(JSON.stringify(next))).toStrictEqual({ ...queued, status: 'failed', updatedAt: '2025-01-01T00:00:02.000Z' });
  });
});
