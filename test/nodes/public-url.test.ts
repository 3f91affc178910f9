// The engine's public URL (nodes/lib/public-url.ts): its setting, else $ROOMWIRE_PUBLIC_URL, else
// none (the local URL); webhook URLs are it + httpNodeRoot + the engine prefix + the channel id,
// the URL the webhook handler rebuilds from a request to check a provider's signature.
import type { NodeAPI } from 'node-red';
import { describe, expect, it } from 'vitest';
import { channelWebhookUrl, configuredPublicUrl, engineAddress } from '../../nodes/lib/public-url';

const red = (httpNodeRoot?: string) => ({ settings: { httpNodeRoot }, server: { address: () => ({ port: 1880 }) } }) as unknown as NodeAPI;

describe('configuredPublicUrl', () => {
  it("takes the engine's setting first, without a trailing slash", () => {
    expect(configuredPublicUrl('https://rooms.example.org/', { ROOMWIRE_PUBLIC_URL: 'https://other.example' })).toBe('https://rooms.example.org');
  });

  it('falls back to $ROOMWIRE_PUBLIC_URL for an empty setting or an unset ${VAR}', () => {
    const env = { ROOMWIRE_PUBLIC_URL: 'https://tunnel.example.net' };
    expect(configuredPublicUrl('', env)).toBe('https://tunnel.example.net');
    expect(configuredPublicUrl('${PUBLIC}', env)).toBe('https://tunnel.example.net');
    expect(configuredPublicUrl(undefined, {})).toBeUndefined();
  });

  it('refuses what is not an http(s) URL without query, naming where it came from', () => {
    expect(() => configuredPublicUrl('rooms.example.org', {})).toThrow(/^publicUrl "rooms.example.org" is not a URL/);
    expect(() => configuredPublicUrl('https://a.example/?x=1', {})).toThrow(/^publicUrl .* without query/);
    expect(() => configuredPublicUrl('', { ROOMWIRE_PUBLIC_URL: 'ws://a.example' })).toThrow(/^\$ROOMWIRE_PUBLIC_URL "ws:\/\/a.example" must be an http or https URL/);
  });
});

describe('channelWebhookUrl', () => {
  it('is the public URL, httpNodeRoot, the engine prefix and the encoded channel id', () => {
    expect(channelWebhookUrl(red('/api/'), { publicUrl: 'https://rooms.example.org/proxy', httpPrefix: '/roomwire' }, 'tw sms')).toBe(
      'https://rooms.example.org/proxy/api/roomwire/webhook/tw%20sms',
    );
    expect(channelWebhookUrl(red(), { publicUrl: 'https://rooms.example.org', httpPrefix: '/support' }, 'wa')).toBe('https://rooms.example.org/support/webhook/wa');
  });

  it('is the local Node-RED URL without a public URL', () => {
    expect(channelWebhookUrl(red('/api'), { httpPrefix: '/roomwire' }, 'sms')).toBe('http://127.0.0.1:1880/api/roomwire/webhook/sms');
  });
});

describe('engineAddress', () => {
  it('reports a bad public URL and leaves it out, keeping the prefix', () => {
    const reported: string[] = [];
    const address = engineAddress({ publicUrl: 'nope', httpPrefix: 'support/' }, (p) => `/${String(p).replace(/\/+$/, '')}`, (m) => reported.push(m));
    expect(address).toEqual({ publicUrl: undefined, httpPrefix: '/support' });
    expect(reported).toEqual(['publicUrl "nope" is not a URL']);
  });
});
