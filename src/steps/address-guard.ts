import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { BlockList, isIP } from 'node:net';
import { networkInterfaces } from 'node:os';

/**
 * The `http` step's SSRF guard: addresses a workflow may not reach unless the operator
 * sets `SLIPWAY_HTTP_ALLOW_PRIVATE=true`. Checked on the resolved addresses at connect
 * time (through the socket's `lookup`), so a name that resolves to a private address,
 * or re-resolves to one later (DNS rebinding), is refused too.
 */
const blockedV4 = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16], ['172.16.0.0', 12],
  ['192.0.0.0', 24], ['192.168.0.0', 16], ['198.18.0.0', 15], ['224.0.0.0', 4], ['240.0.0.0', 4],
  // Documentation ranges (RFC 5737): never a real peer, often a stand-in for an internal one.
  ['192.0.2.0', 24], ['198.51.100.0', 24], ['203.0.113.0', 24],
] as const) blockedV4.addSubnet(net, prefix, 'ipv4');
const blockedV6 = new BlockList();
for (const [net, prefix] of [
  ['::', 128], ['::1', 128], ['fc00::', 7], ['fe80::', 10], ['fec0::', 10], ['ff00::', 8], ['100::', 64],
  // NAT64 (RFC 6052, 8215) reaches IPv4 through a translator; documentation (RFC 3849); Teredo hides an IPv4.
  ['64:ff9b::', 96], ['64:ff9b:1::', 48], ['2001:db8::', 32], ['2001::', 32],
] as const) blockedV6.addSubnet(net, prefix, 'ipv6');

/**
 * True for private, loopback, link-local, multicast, unspecified and documentation
 * addresses, for IPv6 forms that carry such an IPv4 address (IPv4-mapped `::ffff:a.b.c.d`,
 * IPv4-compatible `::a.b.c.d`, 6to4 `2002:AABB:CCDD::/48`), and for the addresses of this
 * host's own interfaces (its public address reaches its own services too).
 */
export function isPrivateAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 0) return true;
  if (ownAddresses().has(canonical(address, family))) return true;
  if (family === 4) return blockedV4.check(address, 'ipv4');
  const words = ipv6Words(address);
  if (!words) return true;
  const embedded = embeddedIpv4(words);
  if (embedded !== null) return blockedV4.check(embedded, 'ipv4');
  return blockedV6.check(address, 'ipv6');
}

/** The eight 16-bit words of an IPv6 address (with a dotted IPv4 tail), or null. */
function ipv6Words(address: string): number[] | null {
  let text = address.toLowerCase().replace(/%.*$/, '');
  const dotted = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (dotted) {
    const [a, b, c, d] = dotted.slice(1).map(Number) as [number, number, number, number];
    text = `${text.slice(0, dotted.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, tail] = text.includes('::') ? text.split('::') as [string, string] : [text, null];
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const fill = tail === null ? 0 : 8 - left.length - right.length;
  const words = [...left, ...new Array<string>(Math.max(0, fill)).fill('0'), ...right].map((w) => parseInt(w, 16));
  return words.length === 8 && words.every((w) => Number.isInteger(w) && w >= 0 && w <= 0xffff) ? words : null;
}

/** The IPv4 address an IPv6 address stands for: IPv4-mapped, IPv4-compatible or 6to4; else null. */
function embeddedIpv4(words: number[]): string | null {
  const v4 = (hi: number, lo: number) => `${hi >> 8}.${hi & 0xff}.${lo >> 8}.${lo & 0xff}`;
  const zeros = (from: number, to: number) => words.slice(from, to).every((w) => w === 0);
  if (zeros(0, 5) && words[5] === 0xffff) return v4(words[6]!, words[7]!);
  // IPv4-compatible (deprecated); `::` and `::1` are not IPv4 addresses but stay blocked as IPv6.
  if (zeros(0, 6) && (words[6]! !== 0 || words[7]! > 1)) return v4(words[6]!, words[7]!);
  if (words[0] === 0x2002) return v4(words[1]!, words[2]!);
  return null;
}

function canonical(address: string, family: number): string {
  if (family === 4) return address;
  const words = ipv6Words(address);
  return words ? words.map((w) => w.toString(16)).join(':') : address;
}

let own: { at: number; addresses: Set<string> } | null = null;

/** The host's own interface addresses, read again at most every few seconds (interfaces come and go). */
function ownAddresses(): Set<string> {
  const now = Date.now();
  if (own && now - own.at < 5000) return own.addresses;
  const addresses = new Set<string>();
  for (const list of Object.values(networkInterfaces())) {
    for (const entry of list ?? []) addresses.add(canonical(entry.address, entry.family === 'IPv4' ? 4 : 6));
  }
  own = { at: now, addresses };
  return addresses;
}

export class BlockedAddressError extends Error {
  constructor(host: string, address: string) {
    super(`refused to connect to ${host} (${address}): private, loopback, link-local, documentation and this host's own addresses are blocked; set SLIPWAY_HTTP_ALLOW_PRIVATE=true to allow them`);
    this.name = 'BlockedAddressError';
  }
}

/** The URL's host without IPv6 brackets (`[::1]` → `::1`), as lookups and isIP take it. */
export function hostOf(url: URL): string {
  return url.hostname.replace(/^\[|\]$/g, '');
}

/** The error for a URL whose host is a blocked IP literal (no lookup happens for those); else null. */
export function blockedLiteralHost(url: URL): BlockedAddressError | null {
  const host = hostOf(url);
  return isIP(host) && isPrivateAddress(host) ? new BlockedAddressError(host, host) : null;
}

type LookupCallback = (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/** A `lookup` for `http.request` that resolves like the system does, then refuses blocked addresses. */
export function guardedLookup(hostname: string, options: { all?: boolean; family?: number }, callback: LookupCallback): void {
  dnsLookup(hostname, { family: options.family ?? 0, all: true }, (error, addresses) => {
    if (error) return callback(error, '');
    const bad = addresses.find((a) => isPrivateAddress(a.address));
    if (bad) return callback(new BlockedAddressError(hostname, bad.address) as NodeJS.ErrnoException, '');
    if (options.all) return callback(null, addresses);
    const first = addresses[0]!;
    callback(null, first.address, first.family);
  });
}
