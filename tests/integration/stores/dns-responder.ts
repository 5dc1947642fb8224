import { createSocket, type RemoteInfo } from 'node:dgram';
import * as dnsPacket from 'dns-packet';

/**
 * A real authoritative DNS responder on 127.0.0.1 and a random UDP port, encoding its answers
 * with dns-packet: what the stores functions' resolver (node's c-ares) talks to in the tests.
 * Names in `txt` answer their TXT records (each a list of character-strings, as a zone splits
 * long values); names in `empty` exist without TXT data (NOERROR, no answer: ENODATA); names in
 * `silent` get no reply at all (the resolver times out); names in `failing` get SERVFAIL; every
 * other name is NXDOMAIN.
 */
export interface DnsResponder {
  /** `127.0.0.1:<port>`, as DNS_SERVERS takes it. */
  server: string;
  txt: Map<string, string[][]>;
  empty: Set<string>;
  silent: Set<string>;
  failing: Set<string>;
  /** Every question asked, as `<type> <name>`. */
  queries: string[];
  close(): Promise<void>;
}

const NOERROR = 0;
const SERVFAIL = 2;
const NXDOMAIN = 3;

export const startDnsResponder = async (): Promise<DnsResponder> => {
  const socket = createSocket('udp4');
  const responder: Omit<DnsResponder, 'server' | 'close'> = { txt: new Map(), empty: new Set(), silent: new Set(), failing: new Set(), queries: [] };

  const answer = (query: dnsPacket.Packet): Buffer | undefined => {
    const question = query.questions?.[0];
    if (!question) return undefined;
    const name = question.name.toLowerCase();
    responder.queries.push(`${question.type} ${name}`);
    if (responder.silent.has(name)) return undefined;
    const records = question.type === 'TXT' ? (responder.txt.get(name) ?? []) : [];
    const exists = responder.txt.has(name) || responder.empty.has(name);
    const rcode = responder.failing.has(name) ? SERVFAIL : exists ? NOERROR : NXDOMAIN;
    const recursionDesired = (query.flags ?? 0) & dnsPacket.RECURSION_DESIRED;
    return dnsPacket.encode({
      type: 'response',
      id: query.id,
      flags: dnsPacket.AUTHORITATIVE_ANSWER | recursionDesired | rcode,
      questions: [question],
      answers: rcode === NOERROR ? records.map((chunks) => ({ type: 'TXT' as const, name: question.name, ttl: 0, class: 'IN' as const, data: chunks })) : [],
    });
  };

  socket.on('message', (message: Buffer, peer: RemoteInfo) => {
    let reply: Buffer | undefined;
    try {
      reply = answer(dnsPacket.decode(message));
    } catch {
      return; // not a DNS query: ignore it, as a server would
    }
    if (reply) socket.send(reply, peer.port, peer.address);
  });

  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(0, '127.0.0.1', () => resolve());
  });
  const { port } = socket.address();
  return {
    ...responder,
    server: `127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => socket.close(() => resolve())),
  };
};
