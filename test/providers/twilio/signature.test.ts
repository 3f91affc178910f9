// X-Twilio-Signature: every published vector, the official `twilio` package's validateRequest
// agreeing with ours on random requests, the URL variants validators must accept (default port,
// a public base URL in front of a proxy), JSON bodies signed through bodySHA256, and the failure
// answers (401 without a signature, 403 with a wrong one) that never reveal the secret.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import twilio from 'twilio';
import { describe, expect, it } from 'vitest';
import { decodeForm, twilioSignature, verifyTwilioSignature, type InboundRequest } from '../../../runtime/src';
import { Random } from '../../runtime/support/random';
import { formBody, signedRequest, type Params } from './support/twilio';

interface Vector {
  id: string;
  url: string;
  params: Params;
  signature: string;
}

const vectors = JSON.parse(readFileSync(join(__dirname, '../../fixtures/vectors/twilio-signature.json'), 'utf8')) as {
  about: string;
  authToken: string;
  cases: Vector[];
};
const TOKEN = vectors.authToken;

function post(url: string, params: Params, signature: string | undefined, headers: Record<string, string> = {}): InboundRequest {
  return {
    method: 'POST',
    url,
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...(signature === undefined ? {} : { 'x-twilio-signature': signature }), ...headers },
    rawBody: Buffer.from(formBody(params)),
  };
}

/** The RoomwireError a verification throws. */
function failure(run: () => unknown): { code: string; httpStatus: number; message: string } {
  try {
    run();
  } catch (error) {
    return error as never;
  }
  throw new Error('expected the verification to fail');
}

describe('X-Twilio-Signature vectors', () => {
  it('keeps the vectors file with its provenance', () => {
    expect(vectors.about).toMatch(/twilio-node/);
    expect(vectors.cases.length).toBeGreaterThanOrEqual(4);
  });

  for (const vector of vectors.cases) {
    it(`signs and verifies vector ${vector.id}`, () => {
      const fields = decodeForm(formBody(vector.params));
      expect(twilioSignature(TOKEN, vector.url, fields)).toBe(vector.signature);
      expect(() => verifyTwilioSignature(post(vector.url, vector.params, vector.signature), { authToken: TOKEN })).not.toThrow();
      expect(failure(() => verifyTwilioSignature(post(vector.url, vector.params, vector.signature), { authToken: `${TOKEN}6` })).httpStatus).toBe(403);
    });
  }

  it('de-duplicates and sorts the values of a repeated name before signing', () => {
    const repeated = vectors.cases.find((v) => v.id === 'repeated-values')!;
    const shuffled = { ...repeated.params, Digits: ['1234', '5678', '1234'] };
    expect(twilioSignature(TOKEN, repeated.url, decodeForm(formBody(shuffled)))).toBe(repeated.signature);
  });

  it('accepts a URL signed with its default port when the request shows none, and the reverse', () => {
    const withPort = vectors.cases.find((v) => v.id === 'explicit-https-port')!;
    const withoutPort = vectors.cases.find((v) => v.id === 'basic')!;
    const stripped = withPort.url.replace(':443', '');
    expect(() => verifyTwilioSignature(post(stripped, withPort.params, withPort.signature), { authToken: TOKEN })).not.toThrow();
    const added = withoutPort.url.replace('mycompany.com', 'mycompany.com:443');
    expect(() => verifyTwilioSignature(post(added, withoutPort.params, withoutPort.signature), { authToken: TOKEN })).not.toThrow();
    // Another host is another URL.
    const other = withoutPort.url.replace('mycompany.com', 'mycompany.org');
    expect(failure(() => verifyTwilioSignature(post(other, withoutPort.params, withoutPort.signature), { authToken: TOKEN })).httpStatus).toBe(403);
  });
});

const ALPHABET = ['a', 'Z', '0', ' ', '+', '&', '=', '%', '/', '?', '\n', 'é', '€', '中', '😀', '.', '[', ']', '-', '_'];

function randomText(r: Random, max: number): string {
  let text = '';
  for (let i = r.int(max); i > 0; i--) text += r.pick(ALPHABET);
  return text;
}

describe('agreement with the official twilio package', () => {
  it('signs 300 random form posts exactly as twilio.getExpectedTwilioSignature, and validateRequest accepts ours', () => {
    const r = new Random(20240611);
    for (let round = 0; round < 300; round++) {
      const params: Params = {};
      for (let i = r.int(8); i > 0; i--) {
        const name = `${r.pick(['Body', 'From', 'MediaUrl', 'X', 'a'])}${randomText(r, 4)}`;
        params[name] = r.chance(0.3) ? [randomText(r, 6), randomText(r, 6), randomText(r, 6)] : randomText(r, 20);
      }
      const url = `https://example.com${r.chance(0.5) ? ':443' : ''}/roomwire/webhook/sms${r.chance(0.5) ? `?q=${encodeURIComponent(randomText(r, 5))}` : ''}`;
      const token = `token-${round}`;
      // Our parser sees what Twilio's server-side parser sees: the decoded form fields.
      const fields = decodeForm(formBody(params));
      const parsed = Object.fromEntries([...fields].map(([k, v]) => [k, v.length === 1 ? v[0]! : v]));
      const ours = twilioSignature(token, url, fields);
      expect(ours, JSON.stringify({ url, params })).toBe(twilio.getExpectedTwilioSignature(token, url, parsed));
      expect(twilio.validateRequest(token, ours, url, parsed)).toBe(true);
      expect(() => verifyTwilioSignature(post(url, params, ours), { authToken: token })).not.toThrow();
    }
  });

  it('verifies requests signed by twilio for the URL the request arrived on, with and without the default port', () => {
    for (const signed of ['https://example.com/roomwire/webhook/sms', 'https://example.com:443/roomwire/webhook/sms', 'http://example.com:80/w?a=1&b=2']) {
      const params = { Body: 'hi & bye', From: '+15550001' };
      const signature = twilio.getExpectedTwilioSignature('secret', signed, params);
      for (const received of [signed, signed.replace(/:(443|80)\//, '/')]) {
        expect(twilio.validateRequest('secret', signature, received, params)).toBe(true);
        expect(() => verifyTwilioSignature(post(received, params, signature), { authToken: 'secret' })).not.toThrow();
      }
    }
  });

  it('verifies HMAC_SHA256 webhooks signed with a shared key, and only with that key', () => {
    const url = 'https://example.com/roomwire/webhook/sms';
    const params = { Body: 'hello', MessageSid: 'SM1' };
    const signature = twilio.getExpectedTwilioSignature('shared-key-secret', url, params, 'HMAC_SHA256');
    const headers = { 'x-twilio-webhooks-signature-settings': 'key=webhooks_sharedkey_1,algorithm=HMAC_SHA256' };
    expect(twilio.validateRequest('shared-key-secret', signature, url, params, 'HMAC_SHA256')).toBe(true);
    expect(() => verifyTwilioSignature(post(url, params, signature, headers), { authToken: 'auth', signingKey: 'shared-key-secret' })).not.toThrow();
    expect(failure(() => verifyTwilioSignature(post(url, params, signature, headers), { authToken: 'shared-key-secret' })).httpStatus).toBe(403);
    expect(failure(() => verifyTwilioSignature(post(url, params, signature), { authToken: 'auth', signingKey: 'shared-key-secret' })).httpStatus).toBe(403);
  });
});

describe('JSON bodies signed through bodySHA256', () => {
  const body = JSON.stringify({ MessageSid: 'SM1', From: '+15550001', Body: 'json hello' });
  const hash = createHash('sha256').update(body).digest('hex');
  const url = `https://example.com/roomwire/webhook/sms?bodySHA256=${hash}`;
  const signature = twilio.getExpectedTwilioSignature('secret', url, {});
  const request = (raw: string): InboundRequest => ({
    method: 'POST',
    url,
    headers: { 'content-type': 'application/json', 'x-twilio-signature': signature },
    rawBody: Buffer.from(raw),
  });

  it('verifies the URL alone and the body against its hash, as twilio.validateRequestWithBody does', () => {
    expect(twilio.validateRequestWithBody('secret', signature, url, body)).toBe(true);
    expect(() => verifyTwilioSignature(request(body), { authToken: 'secret' })).not.toThrow();
  });

  it('refuses a body that does not match the signed hash', () => {
    const tampered = body.replace('json hello', 'json hullo');
    expect(twilio.validateRequestWithBody('secret', signature, url, tampered)).toBe(false);
    expect(failure(() => verifyTwilioSignature(request(tampered), { authToken: 'secret' }))).toMatchObject({ code: 'forbidden', httpStatus: 403 });
  });
});

describe('public base URL (a proxy or tunnel in front of Node-RED)', () => {
  const publicUrl = 'https://rooms.example.com/roomwire/webhook/sms';
  const localUrl = 'http://127.0.0.1:1880/roomwire/webhook/sms';
  const params = { Body: 'behind a proxy', From: '+15550001' };

  it('rebuilds the signed URL from the public base URL and the path and query received', () => {
    const request = signedRequest(publicUrl, params, { url: localUrl, token: 'secret' });
    expect(failure(() => verifyTwilioSignature(request, { authToken: 'secret' })).httpStatus).toBe(403);
    expect(() => verifyTwilioSignature(request, { authToken: 'secret' }, 'https://rooms.example.com')).not.toThrow();
    expect(() => verifyTwilioSignature(request, { authToken: 'secret' }, 'https://rooms.example.com/')).not.toThrow();
  });

  it('keeps a path prefix that the proxy strips', () => {
    const prefixed = 'https://rooms.example.com/nodered/roomwire/webhook/sms?deliveryId=dlv_1';
    const request = signedRequest(prefixed, params, { url: 'http://127.0.0.1:1880/roomwire/webhook/sms?deliveryId=dlv_1', token: 'secret' });
    expect(() => verifyTwilioSignature(request, { authToken: 'secret' }, 'https://rooms.example.com/nodered')).not.toThrow();
  });
});

describe('failures', () => {
  const url = 'https://example.com/roomwire/webhook/sms';
  const params = { Body: 'hi', From: '+15550001' };

  it('answers 401 (unauthorized) without a signature and 403 (forbidden) with a wrong one', () => {
    expect(failure(() => verifyTwilioSignature(post(url, params, undefined), { authToken: 'secret' }))).toMatchObject({ code: 'unauthorized', httpStatus: 401 });
    expect(failure(() => verifyTwilioSignature(post(url, params, ''), { authToken: 'secret' }))).toMatchObject({ code: 'unauthorized', httpStatus: 401 });
    const wrong = twilio.getExpectedTwilioSignature('another', url, params);
    expect(failure(() => verifyTwilioSignature(post(url, params, wrong), { authToken: 'secret' }))).toMatchObject({ code: 'forbidden', httpStatus: 403 });
    expect(failure(() => verifyTwilioSignature(post(url, params, 'short'), { authToken: 'secret' }))).toMatchObject({ code: 'forbidden', httpStatus: 403 });
    // The same request, rightly signed, passes.
    expect(() => verifyTwilioSignature(post(url, params, twilio.getExpectedTwilioSignature('secret', url, params)), { authToken: 'secret' })).not.toThrow();
  });

  it('refuses a changed field, an added field and a changed URL', () => {
    const signature = twilio.getExpectedTwilioSignature('secret', url, params);
    expect(failure(() => verifyTwilioSignature(post(url, { ...params, Body: 'hj' }, signature), { authToken: 'secret' })).httpStatus).toBe(403);
    expect(failure(() => verifyTwilioSignature(post(url, { ...params, Extra: '' }, signature), { authToken: 'secret' })).httpStatus).toBe(403);
    expect(failure(() => verifyTwilioSignature(post(`${url}?x=1`, params, signature), { authToken: 'secret' })).httpStatus).toBe(403);
  });

  it('never puts the secret or the expected signature in an error message', () => {
    const token = 'very-secret-auth-token';
    const expected = twilio.getExpectedTwilioSignature(token, url, params);
    const messages = [
      failure(() => verifyTwilioSignature(post(url, params, undefined), { authToken: token })).message,
      failure(() => verifyTwilioSignature(post(url, params, 'AAAA'), { authToken: token })).message,
      failure(() => verifyTwilioSignature(post(url, params, expected, { 'x-twilio-webhooks-signature-settings': 'algorithm=HMAC_MD5' }), { authToken: token })).message,
      failure(() => verifyTwilioSignature(post(url, params, expected), {})).message,
    ];
    for (const message of messages) {
      expect(message).not.toContain(token);
      expect(message).not.toContain(expected);
    }
  });

  it('refuses every request when the channel has no Auth Token to verify with', () => {
    const signature = twilio.getExpectedTwilioSignature('secret', url, params);
    expect(failure(() => verifyTwilioSignature(post(url, params, signature), {}))).toMatchObject({ code: 'forbidden', httpStatus: 403 });
  });
});
