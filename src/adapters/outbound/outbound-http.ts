import type { LookupFunction } from 'node:net';
import { isIP } from 'node:net';
import { Agent, fetch as undiciFetch } from 'undici';
import { isPublicAddress } from './public-address.js';
import type { HostResolver } from './host-resolver.js';

/** A user-supplied URL that leads, or would lead, somewhere other than the public internet. */
export class UrlNotAllowedError extends Error {
  override name = 'UrlNotAllowedError';
  /** Read by the delivery-error classifier: the tenant sees `blocked_address`, never the address. */
  readonly code = 'EBLOCKEDADDRESS';
}

export interface OutboundRequest {
  method?: 'GET' | 'POST';
  headers?: Record<string, string>;
  body?: string;
  signal?: AbortSignal;
  /** Redirects to follow, each hop checked like the first; 0 (the default) answers the 3xx itself. */
  maxRedirects?: number;
}

/**
 * Every request to a URL a user gave us (audio probes, webhooks, Deepgram-style callbacks) goes through here.
 * The host is resolved when the connection is made and every address must be public; the connection then goes to
 * the very address that was checked, so a DNS answer that changes between the check and the connect (rebinding)
 * cannot reach loopback, private ranges or the cloud metadata address. `allowPrivate` (ALLOW_PRIVATE_URLS) lifts it.
 */
export interface OutboundHttp {
  /** The check alone, for refusing a URL at submission with a clear message. */
  checkUrl(url: string): Promise<void>;
  request(url: string | URL, init?: OutboundRequest): Promise<Response>;
}

/** The host of a URL as an address or name: IPv6 without its brackets. */
const hostOf = (url: string | URL) => new URL(url).hostname.replace(/^\[|\]$/g, '');
const allPublic = (addresses: ReadonlyArray<{ address: string }>) => addresses.every((a) => isPublicAddress(a.address));

export function createOutboundHttp(options: { allowPrivate: boolean; resolver: HostResolver }): OutboundHttp {
  const { allowPrivate, resolver } = options;

  const vettedLookup: LookupFunction = (hostname, lookupOptions, callback) => {
    const wanted = lookupOptions.family === 4 || lookupOptions.family === 6 ? lookupOptions.family : undefined;
    resolver(hostname).then(
      (found) => {
        const addresses = wanted ? found.filter((a) => a.family === wanted) : found;
        if (!allowPrivate && !allPublic(found)) {
          return callback(new UrlNotAllowedError(`${hostname} resolves to a non-public address`), '', 4);
        }
        if (addresses.length === 0) return callback(Object.assign(new Error(`${hostname} has no usable address`), { code: 'ENOTFOUND' }), '', 4);
        if (lookupOptions.all) return (callback as unknown as (err: null, all: typeof addresses) => void)(null, addresses);
        callback(null, addresses[0]!.address, addresses[0]!.family);
      },
      (err: unknown) => callback(err as NodeJS.ErrnoException, '', 4),
    );
  };
  // A kept-alive socket is safe to reuse: it was connected to an address vetted when it was opened.
  const dispatcher = new Agent({ connect: { lookup: vettedLookup } });

  async function checkUrl(url: string): Promise<void> {
    if (allowPrivate) return;
    const host = hostOf(url);
    if (isIP(host)) {
      if (!isPublicAddress(host)) throw new UrlNotAllowedError('The URL points at a loopback, private or otherwise non-public address');
      return;
    }
    let addresses;
    try {
      addresses = await resolver(host);
    } catch {
      throw new UrlNotAllowedError(`The host ${host} could not be resolved`);
    }
    if (!allPublic(addresses)) {
      throw new UrlNotAllowedError(`The host ${host} resolves to a loopback, private or otherwise non-public address`);
    }
  }

  async function request(url: string | URL, init: OutboundRequest = {}): Promise<Response> {
    let target = new URL(url);
    for (let hop = 0; ; hop++) {
      // A literal address is connected to without a lookup, so it is checked here; names are checked at connect.
      if (isIP(hostOf(target))) await checkUrl(target.href);
      const response = (await undiciFetch(target, {
        method: init.method ?? 'GET',
        headers: init.headers,
        body: init.body,
        signal: init.signal,
        redirect: 'manual',
        dispatcher,
      })) as unknown as Response;
      const location = response.headers.get('location');
      if (response.status < 300 || response.status >= 400 || !location || hop >= (init.maxRedirects ?? 0)) return response;
      await response.body?.cancel().catch(() => undefined);
      target = new URL(location, target);
      if (target.protocol !== 'http:' && target.protocol !== 'https:') throw new UrlNotAllowedError('A redirect left http(s)');
    }
  }

  return { checkUrl, request };
}
