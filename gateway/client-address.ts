import { isIP } from "node:net";

/**
 * The address of the client behind a request, for the budget of anonymous callers
 * (gateway/rate-limit.ts). `peer` is the address the request came from: the socket's remote
 * address, or on Lambda the function URL's `requestContext.http.sourceIp`. `X-Forwarded-For` is
 * read only when `trustedHops` proxies of ours stand in front (TRUST_PROXY_HOPS): each appends the
 * address it received the request from, so the client is the entry `trustedHops` places left of
 * the peer: the last entry behind one proxy. Entries further left are the client's to write and
 * are never believed.
 * A chain shorter than that gives its leftmost entry; an entry that is no IP address gives the peer.
 */
export function clientAddressOf(
  peer: string | undefined,
  forwardedFor: string | string[] | undefined,
  trustedHops: number,
): string | undefined {
  const own = peer ? normalised(peer) : undefined;
  if (trustedHops === 0 || forwardedFor === undefined) return own;
  const forwarded = (Array.isArray(forwardedFor) ? forwardedFor.join(",") : forwardedFor)
    .split(",")
    .map((entry) => entry.trim())
    .filter(Boolean);
  const chain = [...forwarded, ...(own ? [own] : [])];
  const entry = chain[Math.max(0, chain.length - 1 - trustedHops)];
  return entry && isIP(normalised(entry)) ? normalised(entry) : own;
}

/** Lower-case, without an IPv4-mapped IPv6 prefix (`::ffff:10.0.0.1` is 10.0.0.1). */
function normalised(address: string): string {
  const lower = address.trim().toLowerCase();
  return lower.startsWith("::ffff:") && isIP(lower.slice(7)) === 4 ? lower.slice(7) : lower;
}

/**
 * What anonymous budgets are kept per: an IPv4 address, or an IPv6 address's /64. A single host is
 * usually given a whole /64 and may use any address in it, so a budget per IPv6 address would be
 * one per request for whoever wants it.
 */
export function addressBucket(address: string | undefined): string {
  if (!address) return "unknown";
  if (isIP(address) !== 6) return address;
  return `${ipv6Groups(address).slice(0, 4).join(":")}::/64`;
}

/** The eight groups of a valid IPv6 address, without leading zeros: `2001:db8::1` → 2001, db8, 0, …, 1. */
function ipv6Groups(address: string): string[] {
  let text = address.toLowerCase().split("%")[0] ?? "";
  // A trailing dotted IPv4 part (`64:ff9b::192.0.2.1`) is the last two groups.
  const dotted = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (dotted) {
    const [a, b, c, d] = dotted.slice(1).map(Number) as [number, number, number, number];
    text = `${text.slice(0, dotted.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head = "", tail] = text.split("::");
  const left = head ? head.split(":") : [];
  const right = tail ? tail.split(":") : [];
  const filled = tail === undefined ? left : [...left, ...Array<string>(8 - left.length - right.length).fill("0"), ...right];
  return filled.map((group) => group.replace(/^0+(?=.)/, ""));
}
