// Where the outside world reaches an engine's routes: the engine's "public URL" setting, else
// $ROOMWIRE_PUBLIC_URL, else this Node-RED's local URL. Providers that sign the URL they call
// (Twilio) and providers told where to post status callbacks need the public one: behind a TLS
// proxy or a tunnel, the URL a request shows is not the URL the provider called.
import type { NodeAPI } from 'node-red';
import { localHttpNodeUrl } from './local-url';

/** What a channel needs to know of its engine node to tell its public URLs. */
export interface EngineAddress {
  /** The configured public URL (scheme, host, any path a proxy strips), trailing slash removed. */
  publicUrl?: string;
  /** The engine's HTTP path prefix, normalised (`/roomwire`). */
  httpPrefix: string;
}

/** Unset `${VAR}` substitutions stay as written in Node-RED: they count as empty. */
function given(value: string | undefined): string {
  const trimmed = value?.trim() ?? '';
  return /^\$\{\S+\}$/.test(trimmed) ? '' : trimmed;
}

/**
 * The public base URL an engine node is configured with (its setting, else $ROOMWIRE_PUBLIC_URL),
 * or undefined for none. Throws naming the field when it is not an http(s) URL without query.
 */
export function configuredPublicUrl(setting: string | undefined, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const fromSetting = given(setting);
  const value = fromSetting || given(env.ROOMWIRE_PUBLIC_URL);
  if (!value) return undefined;
  const field = fromSetting ? 'publicUrl' : '$ROOMWIRE_PUBLIC_URL';
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new Error(`${field} ${JSON.stringify(value)} is not a URL`);
  }
  if (!/^https?:$/.test(url.protocol) || url.search || url.hash) {
    throw new Error(`${field} ${JSON.stringify(value)} must be an http or https URL without query or fragment`);
  }
  return value.replace(/\/+$/, '');
}

/** The public URL of the engine's routes (`https://example.org/api/roomwire`), without a trailing slash. */
export function publicEngineUrl(RED: NodeAPI, engine: EngineAddress): string {
  if (!engine.publicUrl) return localHttpNodeUrl(RED, engine.httpPrefix);
  const root = String(RED.settings.httpNodeRoot ?? '/').replace(/\/+$/, '');
  return `${engine.publicUrl}${root}${engine.httpPrefix}`;
}

/** The URL a provider posts a channel's inbound messages and status callbacks to. */
export function channelWebhookUrl(RED: NodeAPI, engine: EngineAddress, channelId: string): string {
  return `${publicEngineUrl(RED, engine)}/webhook/${encodeURIComponent(channelId)}`;
}

/** An engine node's address from its settings; a bad public URL is reported and left out. */
export function engineAddress(
  settings: { publicUrl?: string; httpPrefix?: string },
  prefix: (raw: string | undefined) => string,
  report: (message: string) => void,
): EngineAddress {
  let publicUrl: string | undefined;
  try {
    publicUrl = configuredPublicUrl(settings.publicUrl);
  } catch (error) {
    report((error as Error).message);
  }
  let httpPrefix: string;
  try {
    httpPrefix = prefix(settings.httpPrefix || '/roomwire');
  } catch {
    // The engine reports a bad prefix itself, when it serves its routes.
    httpPrefix = '/roomwire';
  }
  return { publicUrl, httpPrefix };
}
