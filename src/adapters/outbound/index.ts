import { createHostResolver } from './host-resolver.js';
import { createOutboundHttp, type OutboundHttp } from './outbound-http.js';

export { UrlNotAllowedError, type OutboundHttp, type OutboundRequest } from './outbound-http.js';
export { addressRange, isPublicAddress } from './public-address.js';

/** The outbound guard as configured (ALLOW_PRIVATE_URLS, OUTBOUND_DNS_SERVERS). */
export function outboundHttpFor(urls: { allowPrivate: boolean; dnsServers?: string[] }): OutboundHttp {
  return createOutboundHttp({ allowPrivate: urls.allowPrivate, resolver: createHostResolver(urls.dnsServers) });
}
