import ipaddr from 'ipaddr.js';

/**
 * ipaddr.js's range name for an address (`unicast`, `loopback`, `private`, `linkLocal`, `6to4`, …), an IPv4-mapped
 * IPv6 address judged as its IPv4; undefined for what is not an address.
 */
export function addressRange(address: string): string | undefined {
  if (!ipaddr.isValid(address)) return undefined;
  let ip = ipaddr.parse(address);
  if (ip.kind() === 'ipv6') {
    const v6 = ip as ipaddr.IPv6;
    if (v6.isIPv4MappedAddress()) ip = v6.toIPv4Address();
  }
  return ip.range();
}

/**
 * Whether an address is on the public internet: everything that is not plain `unicast` (loopback, private, link-local,
 * carrier-grade NAT, reserved, multicast, and the IPv6 forms that embed an IPv4 address: NAT64, 6to4, Teredo) is not.
 */
export function isPublicAddress(address: string): boolean {
  return addressRange(address) === 'unicast';
}
