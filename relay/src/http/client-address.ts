import type { IncomingMessage } from 'node:http';
import { BlockList, isIP } from 'node:net';
import { CodeboltError } from '@codebolt/protocol';

const CLIENT_ADDRESS = Symbol('codebolt.clientAddress');

type Marked = IncomingMessage & { [CLIENT_ADDRESS]?: string | undefined };

/** IPv4-mapped IPv6 (`::ffff:1.2.3.4`) as plain IPv4; everything else as is. */
function normalize(address: string): string {
  return address.startsWith('::ffff:') && isIP(address.slice(7)) === 4 ? address.slice(7) : address;
}

/**
 * The reverse proxies whose `X-Forwarded-For` the relay believes: exact addresses or CIDR ranges
 * (`10.0.0.0/8`, `::1/128`). Throws on an entry that is neither.
 */
export function trustedProxyList(entries: readonly string[]): BlockList {
  const list = new BlockList();
  for (const entry of entries) {
    const [address, prefix] = entry.split('/') as [string, string | undefined];
    const family = isIP(address);
    if (family === 0 || (prefix !== undefined && !/^\d{1,3}$/.test(prefix))) throw new CodeboltError('invalid-config', `trusted proxy "${entry}" is not an IP address or CIDR range; give addresses like 10.0.0.5 or ranges like 10.0.0.0/8`);
    const type = family === 4 ? 'ipv4' : 'ipv6';
    if (prefix === undefined) list.addAddress(address, type);
    else list.addSubnet(address, Number(prefix), type);
  }
  return list;
}

function trusted(list: BlockList, address: string): boolean {
  const family = isIP(address);
  return family !== 0 && list.check(address, family === 4 ? 'ipv4' : 'ipv6');
}

/**
 * Works out once, when a request arrives, which client address the limits and the audit log see.
 * Without trusted proxies (the default) it is the socket's peer address and `X-Forwarded-For` is
 * ignored (anyone could send it). When the peer is a trusted proxy, it is the right-most address
 * in `X-Forwarded-For` that is not itself a trusted proxy; a malformed header falls back to the
 * peer address (so such clients share the proxy's limits rather than choose their own).
 */
export function resolveClientAddress(request: IncomingMessage, trustedProxies: BlockList): void {
  const peer = request.socket.remoteAddress === undefined ? undefined : normalize(request.socket.remoteAddress);
  let address = peer;
  if (peer !== undefined && trusted(trustedProxies, peer)) {
    const header = request.headers['x-forwarded-for'];
    const hops = (Array.isArray(header) ? header.join(',') : (header ?? '')).split(',').map((hop) => hop.trim()).filter((hop) => hop !== '');
    for (let index = hops.length - 1; index >= 0; index--) {
      const hop = normalize(hops[index]!);
      if (isIP(hop) === 0) break;
      address = hop;
      if (!trusted(trustedProxies, hop)) break;
    }
  }
  (request as Marked)[CLIENT_ADDRESS] = address;
}

/** The client address {@link resolveClientAddress} settled on; the peer address if it never ran. */
export function clientAddress(request: IncomingMessage): string | undefined {
  const marked = request as Marked;
  return CLIENT_ADDRESS in marked ? marked[CLIENT_ADDRESS] : request.socket.remoteAddress;
}
