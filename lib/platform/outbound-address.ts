import { Resolver } from "node:dns/promises";
import { BlockList, isIP, isIPv4 } from "node:net";

/** Resolves a host name to its addresses (all of them, v4 and v6). */
export type HostResolver = (host: string) => Promise<{ address: string; family: 4 | 6 }[]>;

/** DNS answers that mean "no such addresses", as opposed to "no answer": the name, or that record type, does not exist. */
const NO_RECORDS = new Set(["ENODATA", "ENOTFOUND"]);

/** Whether a name is `localhost` or under it, which RFC 6761 (§6.3) reserves for loopback; a trailing dot is ignored. */
function isLocalhostName(host: string): boolean {
  const name = host.toLowerCase().replace(/\.$/, "");
  return name === "localhost" || name.endsWith(".localhost");
}

/**
 * A resolver that asks DNS directly (A and AAAA, in parallel) through c-ares, on sockets of its
 * own: not `dns.lookup`, whose getaddrinfo calls occupy libuv's small thread pool for as long as
 * a slow name server makes them wait, so that a few endpoints on a hostile server would stall
 * every other lookup and file operation in the process. `timeoutMs` and `tries` bound each query
 * (c-ares doubles the timeout on each further round); checkEndpointUrl bounds the whole
 * resolution on top of that, so these only keep an abandoned query from lingering long after it.
 *
 * DNS is all it asks: /etc/hosts is not read. The one name that matters there, `localhost` (and
 * names under it), is not in DNS at all; RFC 6761 has resolvers answer it with loopback without
 * asking anyone, and so does this, which keeps development's `http://localhost:…` endpoints
 * working (production refuses loopback anyway). An IP address is returned as itself.
 *
 * Every address must be known for the address policy to judge them all, so a family that fails
 * other than by having no records (a timeout, SERVFAIL) fails the resolution, even if the other
 * answered; a name with neither A nor AAAA records resolves to nothing. IPv4 addresses come
 * first: the first address is the one connected to, and IPv4 is the one every host can reach.
 */
export function dnsResolver(options: { servers?: string[]; timeoutMs?: number; tries?: number } = {}): HostResolver {
  const resolver = new Resolver({ timeout: options.timeoutMs ?? 1000, tries: options.tries ?? 2 });
  if (options.servers) resolver.setServers(options.servers);
  const records = async (query: Promise<string[]>): Promise<string[]> => {
    try {
      return await query;
    } catch (error) {
      if (NO_RECORDS.has((error as { code?: unknown }).code as string)) return [];
      throw error;
    }
  };
  return async (host) => {
    const literal = isIP(host);
    if (literal !== 0) return [{ address: host, family: literal === 6 ? 6 : 4 }];
    if (isLocalhostName(host))
      return [
        { address: "127.0.0.1", family: 4 },
        { address: "::1", family: 6 },
      ];
    const [v4, v6] = await Promise.all([records(resolver.resolve4(host)), records(resolver.resolve6(host))]);
    return [...v4.map((address) => ({ address, family: 4 as const })), ...v6.map((address) => ({ address, family: 6 as const }))];
  };
}

/** The system's resolver: DNS, through the name servers the host is configured with. */
export const systemResolver: HostResolver = dnsResolver();

/*
 * Where this system may send a request a caller chose the URL of (a webhook endpoint), and where
 * it must not: a caller naming an internal address would otherwise make the system reach, on
 * its behalf, what only the system can reach (the cloud's metadata service and its credentials,
 * the database, a neighbour's admin port): server-side request forgery. Every address a host
 * resolves to must be public, because a resolver may hand out any of them; the check runs again
 * before each delivery, since a name that resolved to a public address at registration may
 * resolve to a private one later (DNS rebinding), and the connection is then made to the address
 * checked, never to a fresh resolution.
 */

/**
 * What an address is, as the IANA special-purpose registries say (RFC 6890 and successors);
 * `public` is every address none of the others covers. An IPv4 address written in IPv6 form
 * (IPv4-mapped `::ffff:a.b.c.d`, NAT64 `64:ff9b::/96`, 6to4 `2002::/16`) is what its IPv4 address is.
 */
export type AddressClass =
  | "public"
  | "unspecified"
  | "loopback"
  | "private"
  | "link-local"
  | "metadata"
  | "multicast"
  | "broadcast"
  | "documentation"
  | "benchmarking"
  | "reserved"
  /** Not an IP address at all. */
  | "invalid";

/** How a refusal names each class: "names 10.0.0.5, a private address", "resolves to a private address". */
const CLASS_WORDS: Record<Exclude<AddressClass, "public">, string> = {
  unspecified: "an unspecified address",
  loopback: "a loopback address",
  private: "a private address",
  "link-local": "a link-local address",
  metadata: "a cloud metadata service's address",
  multicast: "a multicast address",
  broadcast: "the broadcast address",
  documentation: "an address reserved for documentation",
  benchmarking: "an address reserved for benchmarking",
  reserved: "a reserved address, not one of the public internet",
  invalid: "something that is not an IP address",
};

type Ranges = Partial<Record<4 | 6, [network: string, prefix: number][]>>;

/**
 * The ranges of each class, checked in this order (the first that holds wins): the metadata
 * addresses before the link-local and unique-local ranges they sit in, the broadcast address
 * before the reserved 240/4 it sits in.
 */
const RANGES: [Exclude<AddressClass, "public" | "invalid">, Ranges][] = [
  [
    "metadata",
    {
      // AWS, GCP, Azure and most others: the instance metadata service and its credentials.
      4: [["169.254.169.254", 32]],
      // The AWS metadata service's IPv6 address (Nitro instances).
      6: [["fd00:ec2::254", 128]],
    },
  ],
  ["unspecified", { 4: [["0.0.0.0", 32]], 6: [["::", 128]] }],
  ["loopback", { 4: [["127.0.0.0", 8]], 6: [["::1", 128]] }],
  ["broadcast", { 4: [["255.255.255.255", 32]] }],
  [
    "private",
    {
      4: [
        ["10.0.0.0", 8],
        ["172.16.0.0", 12],
        ["192.168.0.0", 16],
        // Shared address space (carrier-grade NAT), RFC 6598: inside a provider's network.
        ["100.64.0.0", 10],
      ],
      6: [
        // Unique local addresses, RFC 4193.
        ["fc00::", 7],
        // Site-local, deprecated by RFC 3879 but still routed privately where used.
        ["fec0::", 10],
        // Local-use NAT64, RFC 8215: translates to whatever the local network decides.
        ["64:ff9b:1::", 48],
      ],
    },
  ],
  ["link-local", { 4: [["169.254.0.0", 16]], 6: [["fe80::", 10]] }],
  ["multicast", { 4: [["224.0.0.0", 4]], 6: [["ff00::", 8]] }],
  [
    "documentation",
    {
      4: [
        ["192.0.2.0", 24],
        ["198.51.100.0", 24],
        ["203.0.113.0", 24],
      ],
      6: [
        ["2001:db8::", 32],
        ["3fff::", 20],
      ],
    },
  ],
  ["benchmarking", { 4: [["198.18.0.0", 15]], 6: [["2001:2::", 48]] }],
  [
    "reserved",
    {
      4: [
        // "This network", RFC 791: never a destination.
        ["0.0.0.0", 8],
        // IETF protocol assignments, RFC 6890.
        ["192.0.0.0", 24],
        // The deprecated 6to4 relay anycast, RFC 7526.
        ["192.88.99.0", 24],
        // Reserved for future use, RFC 1112.
        ["240.0.0.0", 4],
      ],
      6: [
        // Discard-only, RFC 6666.
        ["100::", 64],
        // IETF protocol assignments (Teredo among them, whose IPv4 address is obfuscated), RFC 2928.
        ["2001::", 23],
        // Segment routing SIDs, RFC 9602.
        ["5f00::", 16],
      ],
    },
  ],
];

const BLOCK_LISTS: [Exclude<AddressClass, "public" | "invalid">, BlockList][] = RANGES.map(([addressClass, ranges]) => {
  const list = new BlockList();
  for (const [network, prefix] of ranges[4] ?? []) list.addSubnet(network, prefix, "ipv4");
  for (const [network, prefix] of ranges[6] ?? []) list.addSubnet(network, prefix, "ipv6");
  return [addressClass, list];
});

/** Only global unicast (2000::/3) is public IPv6 today; the rest of the space is unassigned or special. */
const GLOBAL_UNICAST = new BlockList();
GLOBAL_UNICAST.addSubnet("2000::", 3, "ipv6");

/** An IPv6 address's 16 bytes; `address` must be valid IPv6 without a zone. */
function ipv6Bytes(address: string): number[] {
  const [head = "", tail] = address.split("::") as [string, string | undefined];
  const groupsOf = (part: string): number[] =>
    part === ""
      ? []
      : part.split(":").flatMap((group) => {
          if (!group.includes(".")) return [Number.parseInt(group, 16)];
          const [a = 0, b = 0, c = 0, d = 0] = group.split(".").map(Number);
          return [(a << 8) | b, (c << 8) | d];
        });
  const left = groupsOf(head);
  const right = tail === undefined ? [] : groupsOf(tail);
  const groups = [...left, ...new Array<number>(8 - left.length - right.length).fill(0), ...right];
  return groups.flatMap((group) => [group >> 8, group & 0xff]);
}

const startsWith = (bytes: number[], prefix: number[]) => prefix.every((byte, i) => bytes[i] === byte);

/**
 * The IPv4 address an IPv6 address stands for, when it does: IPv4-mapped (`::ffff:a.b.c.d`),
 * NAT64's well-known prefix (`64:ff9b::a.b.c.d`, RFC 6052) and 6to4 (`2002:AABB:CCDD::`, RFC 3056).
 * A connection to one reaches the IPv4 address, so it is judged as that address. (The deprecated
 * IPv4-compatible form, `::a.b.c.d`, is not: it is routed nowhere, and reserved like the rest of
 * the space outside 2000::/3.)
 */
export function embeddedIPv4(address: string): string | null {
  const bare = address.split("%")[0] ?? "";
  if (isIP(bare) !== 6) return null;
  const bytes = ipv6Bytes(bare);
  const dotted = (from: number) => bytes.slice(from, from + 4).join(".");
  if (startsWith(bytes, [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff])) return dotted(12);
  if (startsWith(bytes, [0, 0x64, 0xff, 0x9b, 0, 0, 0, 0, 0, 0, 0, 0])) return dotted(12);
  if (startsWith(bytes, [0x20, 0x02])) return dotted(2);
  return null;
}

/** What an address is (AddressClass); an IPv6 zone (`fe80::1%eth0`) is ignored. */
export function addressClass(address: string): AddressClass {
  const bare = address.split("%")[0] ?? "";
  const family = isIP(bare);
  if (family === 0) return "invalid";
  const v4 = family === 6 ? embeddedIPv4(bare) : null;
  if (v4 !== null) return addressClass(v4);
  const type = family === 4 ? "ipv4" : "ipv6";
  for (const [addressClass, list] of BLOCK_LISTS) if (list.check(bare, type)) return addressClass;
  if (family === 6 && !GLOBAL_UNICAST.check(bare, "ipv6")) return "reserved";
  return "public";
}

/** A URL refused as a destination, and why, in words a caller can act on. */
export class RefusedUrlError extends Error {
  constructor(readonly reason: string) {
    super(reason);
    this.name = "RefusedUrlError";
  }
}

/** A URL that passed checkEndpointUrl, and the address to connect to (the first the host resolved to; all were allowed). */
export interface CheckedUrl {
  url: URL;
  address: string;
  family: 4 | 6;
}

/** The longest endpoint URL accepted, as webhook_endpoints stores it. */
export const MAX_URL_LENGTH = 2048;

/** How long checkEndpointUrl waits for a host to resolve, unless told otherwise. */
const DEFAULT_RESOLVE_TIMEOUT_MS = 5000;

/** "5 s", or "50 ms" when not a whole number of seconds. */
const duration = (ms: number) => (ms >= 1000 && ms % 1000 === 0 ? `${ms / 1000} s` : `${ms} ms`);

/**
 * The host's addresses, or a refusal: a host that does not answer within `timeoutMs` is refused
 * like one that does not resolve. The wait is bounded here, whatever the resolver does, because
 * it comes before any timer of the request itself: unbounded, a name server that holds its
 * answers would hold registration (a GraphQL call) and each delivery to the endpoint with it.
 */
async function resolveWithin(host: string, resolve: HostResolver, timeoutMs: number): Promise<string[]> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<"timed out">((settle) => {
    timer = setTimeout(() => settle("timed out"), timeoutMs);
  });
  let answer: Awaited<ReturnType<HostResolver>> | "timed out";
  try {
    // The race keeps listening to the abandoned lookup, so its late rejection is handled, not unhandled.
    answer = await Promise.race([resolve(host), timedOut]);
  } catch {
    throw new RefusedUrlError(`names a host, ${host}, that does not resolve`);
  } finally {
    clearTimeout(timer);
  }
  if (answer === "timed out") throw new RefusedUrlError(`names a host, ${host}, that did not resolve within ${duration(timeoutMs)}`);
  if (answer.length === 0) throw new RefusedUrlError(`names a host, ${host}, that does not resolve`);
  return answer.map(({ address }) => address);
}

/**
 * Checks a URL a caller chose as a destination, before any connection: `https:` (or, with
 * `allowLoopback`, `http:` to a host whose every address is loopback), no credentials, no
 * fragment, at most MAX_URL_LENGTH characters, and every address its host resolves to public
 * (loopback too with `allowLoopback`). Throws RefusedUrlError saying why; a host that does not
 * resolve, or not within `resolveTimeoutMs` (DEFAULT_RESOLVE_TIMEOUT_MS), is refused too. An IP
 * address in the URL is not resolved.
 *
 * A refusal names an address only when the URL itself names it. For a host name it says only
 * what kind of address the name resolves to: the reason reaches the caller (a GraphQL error, the
 * delivery log), and naming the address would let anyone who may register an endpoint map the
 * internal network's names to its addresses.
 */
export async function checkEndpointUrl(
  raw: string,
  policy: { allowLoopback: boolean; resolveTimeoutMs?: number },
  resolve: HostResolver,
): Promise<CheckedUrl> {
  if (raw.length > MAX_URL_LENGTH) throw new RefusedUrlError(`is longer than ${MAX_URL_LENGTH} characters`);
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new RefusedUrlError("is not an absolute URL");
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") throw new RefusedUrlError("must be an https URL");
  if (url.protocol === "http:" && !policy.allowLoopback) throw new RefusedUrlError("must use https");
  if (url.username !== "" || url.password !== "") throw new RefusedUrlError("must not carry a user name or password");
  if (url.hash !== "" || raw.includes("#")) throw new RefusedUrlError("must not have a fragment (#…)");
  const host = url.hostname.startsWith("[") ? url.hostname.slice(1, -1) : url.hostname;

  const literal = isIP(host) !== 0;
  const addresses = literal ? [host] : await resolveWithin(host, resolve, policy.resolveTimeoutMs ?? DEFAULT_RESOLVE_TIMEOUT_MS);

  for (const address of addresses) {
    const kind = addressClass(address);
    if (kind === "public" || (kind === "loopback" && policy.allowLoopback)) continue;
    if (!literal) throw new RefusedUrlError(`resolves to ${CLASS_WORDS[kind]}`);
    const v4 = embeddedIPv4(address);
    throw new RefusedUrlError(`names ${address}${v4 === null ? "" : ` (IPv4 ${v4})`}, ${CLASS_WORDS[kind]}`);
  }
  if (url.protocol === "http:" && !addresses.every((address) => addressClass(address) === "loopback"))
    throw new RefusedUrlError("must use https (plain http is allowed only to loopback addresses, in development)");

  const address = addresses[0] as string;
  return { url, address, family: isIPv4(address.split("%")[0] ?? "") ? 4 : 6 };
}
