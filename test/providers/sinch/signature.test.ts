// x-sinch-webhook-signature: base64 HMAC-SHA256 over the raw body bytes, ".", the nonce, ".",
// the timestamp. Vectors computed with openssl (test/fixtures/vectors/sinch-signature.json) and
// signatures computed in the test itself must pass; every failure is 401 (missing) or 403 (wrong,
// stale, replayed nonce reused by another request) and never reveals the secret.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RoomwireError, SinchAccount, sinchSignature, verifySinchSignature, type InboundRequest } from '../../../runtime/src';
import { APP_ID, KEY_ID, KEY_SECRET, PROJECT_ID, WEBHOOK_SECRET, callbackHeaders, signCallback, signedCallback } from './support/sinch';

interface Vector {
  name: string;
  secret: string;
  nonce: string;
  timestamp: string;
  body: string;
  signature: string;
}

const { vectors } = JSON.parse(readFileSync(join(__dirname, '../../fixtures/vectors/sinch-signature.json'), 'utf8')) as { vectors: Vector[] };

function request(vector: Vector, signature = vector.signature): InboundRequest {
  return {
    method: 'POST',
    url: 'https://rooms.example.test/webhook/sinch',
    headers: {
      'x-sinch-webhook-signature': signature,
      'x-sinch-webhook-signature-nonce': vector.nonce,
      'x-sinch-webhook-signature-timestamp': vector.timestamp,
      'x-sinch-webhook-signature-algorithm': 'HmacSHA256',
    },
    rawBody: Buffer.from(vector.body, 'utf8'),
  };
}

function refusal(run: () => unknown): RoomwireError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(RoomwireError);
    return error as RoomwireError;
  }
  throw new Error('expected a refusal');
}

describe('Sinch signature vectors', () => {
  it.each(vectors.map((v) => [v.name, v] as const))('computes and accepts the openssl vector: %s', (_name, vector) => {
    expect(sinchSignature(vector.secret, Buffer.from(vector.body, 'utf8'), vector.nonce, vector.timestamp)).toBe(vector.signature);
    const at = Number(vector.timestamp) * 1000;
    expect(verifySinchSignature(request(vector), vector.secret, at)).toMatchObject({ nonce: vector.nonce, signature: vector.signature });
  });

  it('agrees with a signature computed independently in the test for random bodies', () => {
    for (let i = 0; i < 20; i++) {
      const body = Buffer.from(JSON.stringify({ n: i, text: 'ü'.repeat(i), emoji: '🚀' }));
      const nonce = `nonce-${i}`;
      const timestamp = String(1_700_000_000 + i);
      expect(sinchSignature(WEBHOOK_SECRET, body, nonce, timestamp)).toBe(signCallback(WEBHOOK_SECRET, body, nonce, timestamp));
    }
  });

  it('signs the raw bytes: the same JSON re-serialised does not verify', () => {
    const pretty = vectors.find((v) => v.body.includes('\n'))!;
    const compact = { ...pretty, body: JSON.stringify(JSON.parse(pretty.body)) };
    const at = Number(pretty.timestamp) * 1000;
    expect(refusal(() => verifySinchSignature(request(compact, pretty.signature), pretty.secret, at)).code).toBe('forbidden');
    expect(verifySinchSignature(request(pretty), pretty.secret, at).signature).toBe(pretty.signature);
  });
});

describe('signature failures', () => {
  const vector = vectors[0]!;
  const at = Number(vector.timestamp) * 1000;

  it.each(['x-sinch-webhook-signature', 'x-sinch-webhook-signature-nonce', 'x-sinch-webhook-signature-timestamp'])('answers unauthorized when %s is missing', (name) => {
    const signed = request(vector);
    delete signed.headers[name];
    const error = refusal(() => verifySinchSignature(signed, vector.secret, at));
    expect(error).toMatchObject({ code: 'unauthorized', httpStatus: 401 });
    expect(error.message).toContain(name);
  });

  it('answers forbidden for a wrong secret, a tampered body, another nonce or timestamp, and never shows the secret or the expected signature', () => {
    const cases: InboundRequest[] = [
      request(vector, signCallback('guessed', Buffer.from(vector.body), vector.nonce, vector.timestamp)),
      { ...request(vector), rawBody: Buffer.from(vector.body.replace('DELIVERED', 'READ')) },
      { ...request(vector), headers: { ...request(vector).headers, 'x-sinch-webhook-signature-nonce': 'other' } },
      { ...request(vector), headers: { ...request(vector).headers, 'x-sinch-webhook-signature-timestamp': String(Number(vector.timestamp) + 1) } },
      request(vector, vector.signature.replace(/=$/, '')),
    ];
    for (const signed of cases) {
      const error = refusal(() => verifySinchSignature(signed, vector.secret, at + 1000));
      expect(error).toMatchObject({ code: 'forbidden', httpStatus: 403 });
      expect(error.message).not.toContain(vector.secret);
      expect(error.message).not.toContain(vector.signature);
    }
    // The unchanged request passes the same check.
    expect(verifySinchSignature(request(vector), vector.secret, at + 1000).nonce).toBe(vector.nonce);
  });

  it('refuses a timestamp outside the window either way, and accepts one at its edge', () => {
    const window = 300;
    expect(refusal(() => verifySinchSignature(request(vector), vector.secret, at + (window + 1) * 1000)).message).toMatch(/more than 300 s/);
    expect(refusal(() => verifySinchSignature(request(vector), vector.secret, at - (window + 1) * 1000)).code).toBe('forbidden');
    expect(verifySinchSignature(request(vector), vector.secret, at + window * 1000).nonce).toBe(vector.nonce);
    expect(verifySinchSignature(request(vector), vector.secret, at - window * 1000).nonce).toBe(vector.nonce);
  });

  it('refuses an algorithm other than HmacSHA256, and a non-numeric timestamp', () => {
    const other = request(vector);
    other.headers['x-sinch-webhook-signature-algorithm'] = 'HmacSHA1';
    expect(refusal(() => verifySinchSignature(other, vector.secret, at)).code).toBe('forbidden');
    const words = request(vector);
    words.headers['x-sinch-webhook-signature-timestamp'] = 'yesterday';
    expect(refusal(() => verifySinchSignature(words, vector.secret, at)).code).toBe('forbidden');
  });

  it('refuses every callback when the channel has no webhook secret', () => {
    expect(refusal(() => verifySinchSignature(request(vector), '', at)).message).toMatch(/no Sinch webhook secret/);
  });
});

describe('nonce replay protection', () => {
  function openAccount(clock: () => number) {
    const account = new SinchAccount({ projectId: PROJECT_ID, appId: APP_ID, keyId: KEY_ID, keySecret: KEY_SECRET, webhookSecret: WEBHOOK_SECRET, clock });
    return { account, provider: account.provider({ channelId: 'sinch-sms', channelType: 'sms' }) };
  }

  it('refuses a nonce reused by a different signed request, lets the identical request through (stored once by message id), and forgets nonces once their window has passed', () => {
    let now = 1_700_000_000_000;
    const { account, provider } = openAccount(() => now);
    const first = signedCallback({ a: 1 }, { nonce: 'n-1', timestamp: now / 1000 });
    expect(provider.verifyInbound!(first)).toEqual({ replayKey: first.headers['x-sinch-webhook-signature'] });
    // The identical request again (Sinch retrying, or a captured copy): passes to deduplication.
    expect(provider.verifyInbound!(first)).toEqual({ replayKey: first.headers['x-sinch-webhook-signature'] });
    const reused = signedCallback({ a: 2 }, { nonce: 'n-1', timestamp: now / 1000 });
    expect(refusal(() => provider.verifyInbound!(reused))).toMatchObject({ code: 'forbidden' });
    expect(refusal(() => provider.verifyInbound!(reused)).message).toMatch(/nonce was already used/);
    // A fresh nonce on the same body passes.
    expect(provider.verifyInbound!(signedCallback({ a: 2 }, { nonce: 'n-2', timestamp: now / 1000 }))).toBeTruthy();
    expect(account.replayGuard.size).toBe(2);
    now += 302_000;
    expect(provider.verifyInbound!(signedCallback({ a: 3 }, { nonce: 'n-3', timestamp: now / 1000 }))).toBeTruthy();
    expect(account.replayGuard.size).toBe(1);
    account.close();
    expect(account.replayGuard.size).toBe(0);
  });

  it('uses the callback headers Sinch documents', () => {
    const headers = callbackHeaders(Buffer.from('{}'), { nonce: 'x', timestamp: 1 });
    expect(Object.keys(headers).sort()).toEqual([
      'content-type',
      'x-sinch-webhook-signature',
      'x-sinch-webhook-signature-algorithm',
      'x-sinch-webhook-signature-nonce',
      'x-sinch-webhook-signature-timestamp',
    ]);
  });
});
