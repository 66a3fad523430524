import { createSocket } from 'node:dgram';
import type { AddressInfo } from 'node:net';
import dnsPacket from 'dns-packet';

export interface TestDns {
  /** `ip:port`, for OUTBOUND_DNS_SERVERS. */
  server: string;
  /** What a name answers: a fixed IPv4 address, or one per query in order (the last repeats). */
  answer(name: string, addresses: string | string[]): void;
  /** How many A queries each name got. */
  queries(name: string): number;
  close(): Promise<void>;
}

/** A real DNS server on UDP that the test steers: it can answer differently from one query to the next (rebinding). */
export async function startTestDns(): Promise<TestDns> {
  const plans = new Map<string, string[]>();
  const counts = new Map<string, number>();
  const socket = createSocket('udp4');
  socket.on('message', (message, peer) => {
    const query = dnsPacket.decode(message);
    const question = query.questions?.[0];
    if (!question) return;
    const name = question.name.toLowerCase();
    const plan = plans.get(name);
    const answers: dnsPacket.Answer[] = [];
    if (plan && question.type === 'A') {
      const n = counts.get(name) ?? 0;
      counts.set(name, n + 1);
      answers.push({ type: 'A', class: 'IN', name: question.name, ttl: 0, data: plan[Math.min(n, plan.length - 1)]! });
    }
    const reply = dnsPacket.encode({
      id: query.id,
      type: 'response',
      flags: dnsPacket.RECURSION_DESIRED | dnsPacket.RECURSION_AVAILABLE | (plan ? 0 : 3), // rcode 3: NXDOMAIN
      questions: query.questions,
      answers,
    });
    socket.send(reply, peer.port, peer.address);
  });
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  return {
    server: `127.0.0.1:${(socket.address() as AddressInfo).port}`,
    answer: (name, addresses) => {
      plans.set(name.toLowerCase(), Array.isArray(addresses) ? addresses : [addresses]);
      counts.delete(name.toLowerCase());
    },
    queries: (name) => counts.get(name.toLowerCase()) ?? 0,
    close: () => new Promise<void>((resolve) => socket.close(() => resolve())),
  };
}
