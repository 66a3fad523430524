import ipaddr from 'ipaddr.js';

/**
 * Whether an address is on the public internet: ipaddr.js's range classification, where everything that is not
 * plain `unicast` (loopback, private, link-local, carrier-grade NAT, reserved, multicast, and the IPv6 forms that
 * embed an IPv4 address: mapped, NAT64, 6to4, Teredo) counts as not public. IPv4-mapped IPv6 is judged as its IPv4.
 */
export function isPublicAddress(address: string): boolean {
  if (!ipaddr.isValid(address)) return false;
  let ip = ipaddr.parse(address);
  if (ip.kind() === 'ipv6') {
    const v6 = ip as ipaddr.IPv6;
    if (v6.isIPv4MappedAddress()) ip = v6.toIPv4Address();
  }
  return ip.range() === 'unicast';
}
