import { execFileSync } from 'node:child_process';

export interface PublicAddress {
  /** An address ipaddr.js classifies as public internet (11.0.0.0/8), served by this machine. */
  address: string;
  remove(): void;
}

/**
 * Gives this machine a public-looking address on a veth pair of its own (removing the pair removes the address), so
 * a test can stand up a "public" host next to loopback ones. Needs root and iproute2, as the CI machine has.
 */
export function addPublicAddress(): PublicAddress | { unavailable: string } {
  const tag = process.pid % 250;
  const link = `dtpub${process.pid % 100_000}`;
  const peer = `dtpeer${process.pid % 100_000}`;
  const address = `11.200.${tag}.2`;
  try {
    execFileSync('ip', ['link', 'add', link, 'type', 'veth', 'peer', 'name', peer], { stdio: 'pipe' });
  } catch (err) {
    return { unavailable: `cannot add a network interface (root and iproute2 needed): ${String((err as { stderr?: Buffer }).stderr ?? err).trim()}` };
  }
  execFileSync('ip', ['addr', 'add', `${address}/32`, 'dev', link]);
  execFileSync('ip', ['link', 'set', link, 'up']);
  execFileSync('ip', ['link', 'set', peer, 'up']);
  return { address, remove: () => execFileSync('ip', ['link', 'del', link], { stdio: 'ignore' }) };
}
