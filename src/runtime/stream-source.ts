import { outboundHttpFor } from '../adapters/outbound/index.js';
import type { Config } from '../config.js';

/**
 * How streaming workers open stream jobs' URLs: through the SSRF-guarded client (every connection, reconnects and
 * redirects included, goes to a vetted public address unless ALLOW_PRIVATE_URLS).
 */
export function streamSourceFor(config: Config): (url: string, signal: AbortSignal) => Promise<Response> {
  const outbound = outboundHttpFor(config.urls);
  return (url, signal) => outbound.request(url, { signal, maxRedirects: 5 });
}
