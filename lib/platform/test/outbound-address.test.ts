import { type Socket, createSocket } from "node:dgram";
import { afterEach, describe, expect, it, vi } from "vitest";
import {
  type AddressClass,
  type HostResolver,
  RefusedUrlError,
  addressClass,
  checkEndpointUrl,
  dnsResolver,
  embeddedIPv4,
} from "../outbound-address.js";

/*
 * The address policy for URLs callers choose (webhook endpoints): what each address is, and what
 * checkEndpointUrl refuses, before any connection; and the DNS resolver it uses. checkEndpointUrl's
 * hosts resolve through a stub; the resolver asks a name server this file runs on 127.0.0.1. No
 * test opens any other connection or asks a real name server.
 */

describe("addressClass", () => {
  const table: [string, AddressClass][] = [
    // IPv4
    ["93.184.215.14", "public"],
    ["8.8.8.8", "public"],
    ["1.1.1.1", "public"],
    ["0.0.0.0", "unspecified"],
    ["0.1.2.3", "reserved"],
    ["127.0.0.1", "loopback"],
    ["127.255.255.254", "loopback"],
    ["10.0.0.5", "private"],
    ["10.255.255.255", "private"],
    ["172.16.0.1", "private"],
    ["172.31.255.255", "private"],
    ["172.15.255.255", "public"],
    ["172.32.0.0", "public"],
    ["192.168.1.1", "private"],
    ["100.64.0.1", "private"],
    ["100.127.255.255", "private"],
    ["100.128.0.0", "public"],
    ["169.254.0.1", "link-local"],
    ["169.254.169.254", "metadata"],
    ["169.254.169.253", "link-local"],
    ["192.0.0.8", "reserved"],
    ["192.0.2.10", "documentation"],
    ["198.51.100.7", "documentation"],
    ["203.0.113.99", "documentation"],
    ["198.18.0.1", "benchmarking"],
    ["198.19.255.255", "benchmarking"],
    ["198.20.0.0", "public"],
    ["192.88.99.1", "reserved"],
    ["224.0.0.1", "multicast"],
    ["239.255.255.250", "multicast"],
    ["240.0.0.1", "reserved"],
    ["255.255.255.255", "broadcast"],
    // IPv6
    ["2606:4700::6810:84e5", "public"],
    ["2a00:1450:4001:82f::200e", "public"],
    ["::", "unspecified"],
    ["::1", "loopback"],
    ["fc00::1", "private"],
    ["fd12:3456:789a::1", "private"],
    ["fec0::1", "private"],
    ["fd00:ec2::254", "metadata"],
    ["FD00:EC2::254", "metadata"],
    ["fd00:ec2::253", "private"],
    ["fe80::1", "link-local"],
    ["fe80::1%eth0", "link-local"],
    ["febf::1", "link-local"],
    ["ff02::1", "multicast"],
    ["2001:db8::1", "documentation"],
    ["3fff::1", "documentation"],
    ["2001:2::1", "benchmarking"],
    ["2001::1", "reserved"],
    ["100::1", "reserved"],
    ["5f00::1", "reserved"],
    ["64:ff9b:1::1", "private"],
    // Outside 2000::/3 and nothing else: not assigned for use on the internet.
    ["4000::1", "reserved"],
    ["::2", "reserved"],
    ["::8.8.8.8", "reserved"],
    // IPv4 in IPv6 form: what the IPv4 address is.
    ["::ffff:127.0.0.1", "loopback"],
    ["::ffff:7f00:1", "loopback"],
    ["::ffff:10.0.0.5", "private"],
    ["::ffff:169.254.169.254", "metadata"],
    ["::ffff:93.184.215.14", "public"],
    ["64:ff9b::10.0.0.5", "private"],
    ["64:ff9b::a9fe:a9fe", "metadata"],
    ["64:ff9b::93.184.215.14", "public"],
    ["2002:0a00:0005::1", "private"],
    ["2002:7f00:0001::", "loopback"],
    ["2002:5db8:d70e::1", "public"],
    // Not addresses.
    ["localhost", "invalid"],
    ["256.1.1.1", "invalid"],
    ["", "invalid"],
  ];

  it.each(table)("%s is %s", (address, expected) => {
    expect(addressClass(address)).toBe(expected);
  });

  it("finds the IPv4 address inside IPv4-mapped, NAT64 and 6to4 addresses, and in no other", () => {
    expect(embeddedIPv4("::ffff:7f00:1")).toBe("127.0.0.1");
    expect(embeddedIPv4("64:ff9b::c0a8:101")).toBe("192.168.1.1");
    expect(embeddedIPv4("2002:ac10:0001::")).toBe("172.16.0.1");
    expect(embeddedIPv4("2606:4700::6810:84e5")).toBeNull();
    expect(embeddedIPv4("::1")).toBeNull();
    expect(embeddedIPv4("10.0.0.5")).toBeNull();
  });
});

/** A resolver that knows only these hosts and counts its lookups; any other host does not resolve. */
function stubResolver(hosts: Record<string, string[]>): HostResolver & { lookups: string[] } {
  const lookups: string[] = [];
  const resolve = async (host: string) => {
    lookups.push(host);
    const addresses = hosts[host];
    if (!addresses) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: "ENOTFOUND" });
    return addresses.map((address) => ({ address, family: (address.includes(":") ? 6 : 4) as 4 | 6 }));
  };
  return Object.assign(resolve, { lookups });
}

const HOSTS = {
  "hooks.example.net": ["93.184.215.14", "2606:4700::6810:84e5"],
  "v6only.example.net": ["2606:4700::6810:84e5"],
  localhost: ["127.0.0.1", "::1"],
  "internal.example.net": ["10.0.0.5"],
  "mixed.example.net": ["93.184.215.14", "10.1.2.3"],
  "metadata.example.net": ["169.254.169.254"],
  "rebind.example.net": ["::ffff:127.0.0.1"],
  "empty.example.net": [],
};

const PRODUCTION = { allowLoopback: false };
const DEVELOPMENT = { allowLoopback: true };

/** The refusal's reason, or "accepted". */
async function verdict(
  url: string,
  policy: { allowLoopback: boolean; resolveTimeoutMs?: number },
  resolve: HostResolver = stubResolver(HOSTS),
): Promise<string> {
  try {
    await checkEndpointUrl(url, policy, resolve);
    return "accepted";
  } catch (error) {
    if (error instanceof RefusedUrlError) return error.reason;
    throw error;
  }
}

describe("checkEndpointUrl", () => {
  it("accepts an https URL whose host resolves only to public addresses, and says where to connect", async () => {
    const checked = await checkEndpointUrl("https://hooks.example.net:8443/acme/events?x=1", PRODUCTION, stubResolver(HOSTS));

    expect(checked).toMatchObject({ address: "93.184.215.14", family: 4 });
    expect(checked.url.href).toBe("https://hooks.example.net:8443/acme/events?x=1");
    expect(await checkEndpointUrl("https://v6only.example.net/", PRODUCTION, stubResolver(HOSTS))).toMatchObject({
      address: "2606:4700::6810:84e5",
      family: 6,
    });
    expect(await checkEndpointUrl("https://[2606:4700::6810:84e5]/x", PRODUCTION, stubResolver(HOSTS))).toMatchObject({
      address: "2606:4700::6810:84e5",
      family: 6,
    });
  });

  it.each([
    ["https://localhost/hook", "resolves to a loopback address"],
    ["https://127.0.0.1:8080/hook", "names 127.0.0.1, a loopback address"],
    ["https://internal.example.net/", "resolves to a private address"],
    ["https://172.16.3.4/", "names 172.16.3.4, a private address"],
    ["https://192.168.1.1/", "names 192.168.1.1, a private address"],
    ["https://100.64.0.1/", "names 100.64.0.1, a private address"],
    ["https://169.254.169.254/latest/meta-data/", "names 169.254.169.254, a cloud metadata service's address"],
    ["https://metadata.example.net/", "resolves to a cloud metadata service's address"],
    ["https://[fe80::1]/", "names fe80::1, a link-local address"],
    ["https://[::ffff:127.0.0.1]/", "names ::ffff:7f00:1 (IPv4 127.0.0.1), a loopback address"],
    ["https://rebind.example.net/", "resolves to a loopback address"],
    ["https://[fd00:ec2::254]/", "names fd00:ec2::254, a cloud metadata service's address"],
    ["https://[64:ff9b::a00:5]/", "names 64:ff9b::a00:5 (IPv4 10.0.0.5), a private address"],
    ["https://mixed.example.net/", "resolves to a private address"],
    ["https://0.0.0.0/", "names 0.0.0.0, an unspecified address"],
    ["https://[::]/", "names ::, an unspecified address"],
    ["https://224.0.0.1/", "names 224.0.0.1, a multicast address"],
    ["https://255.255.255.255/", "names 255.255.255.255, the broadcast address"],
    ["https://192.0.2.1/", "names 192.0.2.1, an address reserved for documentation"],
    // WHATWG URL reads these as IPv4 addresses, as a connection would.
    ["https://0x7f.1/", "names 127.0.0.1, a loopback address"],
    ["https://2130706433/", "names 127.0.0.1, a loopback address"],
    ["http://hooks.example.net/", "must use https"],
    ["ftp://hooks.example.net/", "must be an https URL"],
    ["https://user:secret@hooks.example.net/", "must not carry a user name or password"],
    ["https://hooks.example.net/#top", "must not have a fragment (#…)"],
    ["https://hooks.example.net/#", "must not have a fragment (#…)"],
    ["https://nowhere.example.net/", "names a host, nowhere.example.net, that does not resolve"],
    ["https://empty.example.net/", "names a host, empty.example.net, that does not resolve"],
    ["hooks.example.net/events", "is not an absolute URL"],
    [`https://hooks.example.net/${"a".repeat(2048)}`, "is longer than 2048 characters"],
  ])("in production refuses %s: %s", async (url, reason) => {
    expect(await verdict(url, PRODUCTION)).toBe(reason);
  });

  it("in development also accepts loopback, over http too, and nothing else it refuses in production", async () => {
    expect(await verdict("http://127.0.0.1:4999/hook", DEVELOPMENT)).toBe("accepted");
    expect(await verdict("http://localhost:4999/hook", DEVELOPMENT)).toBe("accepted");
    expect(await verdict("http://[::1]:4999/hook", DEVELOPMENT)).toBe("accepted");
    expect(await verdict("https://127.0.0.1/hook", DEVELOPMENT)).toBe("accepted");
    expect(await verdict("https://hooks.example.net/", DEVELOPMENT)).toBe("accepted");
    // http reaches loopback only: not a public host, nor a name resolving to one.
    expect(await verdict("http://hooks.example.net/", DEVELOPMENT)).toBe(
      "must use https (plain http is allowed only to loopback addresses, in development)",
    );
    expect(await verdict("http://10.0.0.5/", DEVELOPMENT)).toBe("names 10.0.0.5, a private address");
    expect(await verdict("https://169.254.169.254/", DEVELOPMENT)).toBe("names 169.254.169.254, a cloud metadata service's address");
    expect(await verdict("http://[fe80::1]/", DEVELOPMENT)).toBe("names fe80::1, a link-local address");
  });

  it("resolves no IP literal, and nothing at all for plain http in production", async () => {
    const resolve = stubResolver(HOSTS);

    await verdict("https://93.184.215.14/", PRODUCTION, resolve);
    await verdict("https://[2606:4700::6810:84e5]/", PRODUCTION, resolve);
    await verdict("http://hooks.example.net/", PRODUCTION, resolve);
    expect(resolve.lookups).toEqual([]);

    await verdict("https://hooks.example.net/", PRODUCTION, resolve);
    expect(resolve.lookups).toEqual(["hooks.example.net"]);
  });

  it("names no address a host name resolves to, only what kind it is; an address the URL names, it repeats", async () => {
    const internal = Object.entries(HOSTS).filter(([, addresses]) => addresses.some((address) => addressClass(address) !== "public"));
    expect(internal.length).toBeGreaterThan(3);

    for (const [host, addresses] of internal) {
      const reason = await verdict(`https://${host}/`, PRODUCTION);
      expect(reason).toMatch(/^resolves to an? /);
      for (const address of addresses) {
        expect(reason).not.toContain(address);
        const v4 = embeddedIPv4(address);
        if (v4 !== null) expect(reason).not.toContain(v4);
      }
    }
    expect(await verdict("https://10.0.0.5/", PRODUCTION)).toContain("10.0.0.5");
  });
});

describe("checkEndpointUrl's bound on resolution", () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  /** A resolver that never answers, and the hosts it was asked. */
  function silentResolver(): HostResolver & { lookups: string[] } {
    const lookups: string[] = [];
    return Object.assign(
      (host: string) => {
        lookups.push(host);
        return new Promise<never>(() => {});
      },
      { lookups },
    );
  }

  it("refuses a host whose resolver does not answer in time, saying so", async () => {
    const resolve = silentResolver();

    expect(await verdict("https://slow.example.net/", { ...PRODUCTION, resolveTimeoutMs: 50 }, resolve)).toBe(
      "names a host, slow.example.net, that did not resolve within 50 ms",
    );
    expect(resolve.lookups).toEqual(["slow.example.net"]);
  });

  it("waits 5 s unless told otherwise, and no longer", async () => {
    vi.useFakeTimers();
    let outcome = "pending";
    const checking = verdict("https://slow.example.net/", PRODUCTION, silentResolver()).then((reason) => {
      outcome = reason;
    });

    await vi.advanceTimersByTimeAsync(4999);
    expect(outcome).toBe("pending");
    await vi.advanceTimersByTimeAsync(1);
    await checking;
    expect(outcome).toBe("names a host, slow.example.net, that did not resolve within 5 s");
  });

  it("takes an answer that comes within the bound, and a late failure after it is no unhandled rejection", async () => {
    vi.useFakeTimers();
    const answersAfter =
      (ms: number, addresses: string[] | Error): HostResolver =>
      () =>
        new Promise((settle, fail) =>
          setTimeout(() => {
            if (addresses instanceof Error) fail(addresses);
            else settle(addresses.map((address) => ({ address, family: 4 as const })));
          }, ms),
        );

    const inTime = verdict("https://late.example.net/", PRODUCTION, answersAfter(4000, ["10.0.0.5"]));
    await vi.advanceTimersByTimeAsync(4000);
    expect(await inTime).toBe("resolves to a private address");

    const tooLate = verdict("https://late.example.net/", PRODUCTION, answersAfter(8000, new Error("SERVFAIL")));
    await vi.advanceTimersByTimeAsync(5000);
    expect(await tooLate).toBe("names a host, late.example.net, that did not resolve within 5 s");
    // The abandoned lookup fails now; vitest fails the run on an unhandled rejection.
    await vi.advanceTimersByTimeAsync(3000);
  });
});

/** What a name server on 127.0.0.1 answers for a name and record type: addresses, SERVFAIL, or nothing at all. */
type Answer = string[] | "servfail" | "silent";

/** The 16 bytes of an IPv6 address. */
function ipv6Rdata(address: string): Buffer {
  const [head = "", tail = ""] = address.split("::");
  const left = head === "" ? [] : head.split(":");
  const right = tail === "" ? [] : tail.split(":");
  const groups = [...left, ...new Array<string>(8 - left.length - right.length).fill("0"), ...right];
  return Buffer.from(groups.flatMap((group) => [Number.parseInt(group, 16) >> 8, Number.parseInt(group, 16) & 0xff]));
}

/**
 * A name server on 127.0.0.1 serving `zone`, and the questions it was asked ("A name", "AAAA name").
 * A name not in the zone is NXDOMAIN; a record type a name lacks is an empty answer (NODATA).
 */
async function nameServer(zone: Record<string, Partial<Record<"A" | "AAAA", Answer>>>) {
  const asked: string[] = [];
  const socket: Socket = createSocket("udp4");
  socket.on("message", (query, from) => {
    let end = 12;
    const labels: string[] = [];
    while (query[end] !== 0) {
      const length = query[end] as number;
      labels.push(query.subarray(end + 1, end + 1 + length).toString("ascii"));
      end += 1 + length;
    }
    const type = query.readUInt16BE(end + 1) === 28 ? "AAAA" : "A";
    const question = query.subarray(12, end + 5);
    const name = labels.join(".").toLowerCase();
    asked.push(`${type} ${name}`);
    const entry = zone[name];
    const answer: Answer = entry === undefined ? [] : (entry[type] ?? []);
    if (answer === "silent") return;
    const rcode = entry === undefined ? 3 : answer === "servfail" ? 2 : 0;
    const records = Array.isArray(answer)
      ? answer.map((address) => {
          const rdata = type === "A" ? Buffer.from(address.split(".").map(Number)) : ipv6Rdata(address);
          const record = Buffer.alloc(12);
          record.writeUInt16BE(0xc00c, 0); // the name: a pointer to the question's
          record.writeUInt16BE(type === "A" ? 1 : 28, 2);
          record.writeUInt16BE(1, 4); // class IN
          record.writeUInt32BE(60, 6); // TTL
          record.writeUInt16BE(rdata.length, 10);
          return Buffer.concat([record, rdata]);
        })
      : [];
    const header = Buffer.alloc(12);
    query.copy(header, 0, 0, 2); // the query's id
    header.writeUInt16BE(0x8000 | (query.readUInt16BE(2) & 0x0100) | 0x0080 | rcode, 2);
    header.writeUInt16BE(1, 4);
    header.writeUInt16BE(records.length, 6);
    socket.send(Buffer.concat([header, question, ...records]), from.port, from.address);
  });
  await new Promise<void>((listening) => socket.bind(0, "127.0.0.1", listening));
  return { server: `127.0.0.1:${socket.address().port}`, asked, close: () => new Promise<void>((closed) => socket.close(closed)) };
}

describe("dnsResolver", () => {
  const servers: { close: () => Promise<void> }[] = [];
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((server) => server.close()));
  });
  const serve = async (zone: Parameters<typeof nameServer>[0]) => {
    const server = await nameServer(zone);
    servers.push(server);
    return { ...server, resolve: dnsResolver({ servers: [server.server], timeoutMs: 50, tries: 1 }) };
  };

  it("asks for A and AAAA records, and gives the IPv4 addresses first", async () => {
    const { resolve, asked } = await serve({
      "hooks.example.net": { A: ["93.184.215.14", "93.184.215.15"], AAAA: ["2606:4700::6810:84e5"] },
      "v6only.example.net": { AAAA: ["2606:4700::6810:84e5"] },
    });

    expect(await resolve("hooks.example.net")).toEqual([
      { address: "93.184.215.14", family: 4 },
      { address: "93.184.215.15", family: 4 },
      { address: "2606:4700::6810:84e5", family: 6 },
    ]);
    expect(asked.sort()).toEqual(["A hooks.example.net", "AAAA hooks.example.net"]);
    expect(await resolve("v6only.example.net")).toEqual([{ address: "2606:4700::6810:84e5", family: 6 }]);
  });

  it("resolves a name with no addresses, or no such name, to nothing, which checkEndpointUrl refuses", async () => {
    const { resolve } = await serve({ "bare.example.net": {} });

    expect(await resolve("bare.example.net")).toEqual([]);
    expect(await resolve("nowhere.example.net")).toEqual([]);
    expect(await verdict("https://nowhere.example.net/", PRODUCTION, resolve)).toBe(
      "names a host, nowhere.example.net, that does not resolve",
    );
  });

  it("fails when either family fails other than by having no records: the addresses it did not see could be anything", async () => {
    const { resolve } = await serve({
      "servfail.example.net": { A: ["93.184.215.14"], AAAA: "servfail" },
      "silent.example.net": { A: "silent", AAAA: ["2606:4700::6810:84e5"] },
    });

    await expect(resolve("servfail.example.net")).rejects.toMatchObject({ code: "ESERVFAIL" });
    await expect(resolve("silent.example.net")).rejects.toMatchObject({ code: "ETIMEOUT" });
    expect(await verdict("https://servfail.example.net/", PRODUCTION, resolve)).toBe(
      "names a host, servfail.example.net, that does not resolve",
    );
  });

  it("answers localhost, names under it and IP addresses itself, asking no name server", async () => {
    const { resolve, asked } = await serve({ localhost: { A: ["10.0.0.5"] } });
    const loopback = [
      { address: "127.0.0.1", family: 4 },
      { address: "::1", family: 6 },
    ];

    expect(await resolve("localhost")).toEqual(loopback);
    expect(await resolve("LocalHost.")).toEqual(loopback);
    expect(await resolve("dev.localhost")).toEqual(loopback);
    expect(await resolve("93.184.215.14")).toEqual([{ address: "93.184.215.14", family: 4 }]);
    expect(await resolve("2606:4700::6810:84e5")).toEqual([{ address: "2606:4700::6810:84e5", family: 6 }]);
    expect(asked).toEqual([]);
    expect(await verdict("http://localhost:4999/hook", DEVELOPMENT, resolve)).toBe("accepted");
    expect(await verdict("https://localhost/hook", PRODUCTION, resolve)).toBe("resolves to a loopback address");
  });
});
