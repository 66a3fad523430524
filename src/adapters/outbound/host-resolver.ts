import { lookup, Resolver } from 'node:dns/promises';

export interface ResolvedAddress {
  address: string;
  family: 4 | 6;
}

/** Every address a host name stands for. */
export type HostResolver = (host: string) => Promise<ResolvedAddress[]>;

/**
 * The system resolver (getaddrinfo, as every other Node.js connection uses), or, when `servers` are given
 * (OUTBOUND_DNS_SERVERS), those DNS servers asked directly for A and AAAA records.
 */
export function createHostResolver(servers?: readonly string[]): HostResolver {
  if (!servers || servers.length === 0) {
    return async (host) => (await lookup(host, { all: true, verbatim: true })).map((a) => ({ address: a.address, family: a.family === 6 ? 6 : 4 }));
  }
  const resolver = new Resolver({ timeout: 2_000, tries: 2 });
  resolver.setServers([...servers]);
  return async (host) => {
    const [v4, v6] = await Promise.allSettled([resolver.resolve4(host), resolver.resolve6(host)]);
    const found: ResolvedAddress[] = [
      ...(v4.status === 'fulfilled' ? v4.value.map((address) => ({ address, family: 4 as const })) : []),
      ...(v6.status === 'fulfilled' ? v6.value.map((address) => ({ address, family: 6 as const })) : []),
    ];
    if (found.length === 0) {
      const reason = v4.status === 'rejected' ? v4.reason : v6.status === 'rejected' ? v6.reason : undefined;
      throw Object.assign(new Error(`${host} has no A or AAAA record`), { code: (reason as { code?: string } | undefined)?.code ?? 'ENOTFOUND', cause: reason });
    }
    return found;
  };
}
