import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  assertEndpointAllowed,
  cachedEndpointCheck,
  classifyAddress,
  embeddedIpv4,
  EndpointNotAllowedError,
  pinnedLookup,
  type EndpointRefusalReason,
  type ResolvedAddress,
  type Resolver,
  type SsrfOptions,
} from "../../indexer/relay/ssrf.ts";

/** A resolver over a fixed table (no real DNS on this machine); unknown names fail like NXDOMAIN. */
function fakeDns(table: Record<string, string[] | Error>): Resolver & { calls: string[] } {
  const calls: string[] = [];
  const resolve = async (hostname: string): Promise<ResolvedAddress[]> => {
    calls.push(hostname);
    const entry = table[hostname];
    if (entry instanceof Error) throw entry;
    if (!entry) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: "ENOTFOUND" });
    return entry.map((address) => ({ address, family: address.includes(":") ? 6 : 4 }));
  };
  return Object.assign(resolve, { calls });
}

async function refusal(url: string, options: SsrfOptions): Promise<EndpointRefusalReason | "allowed"> {
  try {
    await assertEndpointAllowed(url, options);
    return "allowed";
  } catch (error) {
    expect(error).toBeInstanceOf(EndpointNotAllowedError);
    return (error as EndpointNotAllowedError).reason;
  }
}

// [address, class] — every guarded class, in both families and the IPv6 forms that embed IPv4.
const ADDRESSES: ReadonlyArray<readonly [string, string]> = [
  ["8.8.8.8", "public"],
  ["1.1.1.1", "public"],
  ["2606:4700:4700::1111", "public"],
  ["127.0.0.1", "loopback"],
  ["127.255.255.254", "loopback"],
  ["::1", "loopback"],
  ["10.0.0.1", "private"],
  ["10.255.255.255", "private"],
  ["172.16.0.1", "private"],
  ["172.31.255.255", "private"],
  ["172.32.0.1", "public"],
  ["172.15.255.255", "public"],
  ["192.168.1.1", "private"],
  ["fc00::1", "private"],
  ["fd12:3456:789a::1", "private"],
  ["169.254.0.1", "link_local"],
  ["169.254.255.255", "link_local"],
  ["fe80::1", "link_local"],
  ["febf:ffff::1", "link_local"],
  ["169.254.169.254", "metadata"],
  ["169.254.170.2", "metadata"],
  ["fd00:ec2::254", "metadata"],
  ["0.0.0.0", "unspecified"],
  ["0.1.2.3", "unspecified"],
  ["::", "unspecified"],
  ["100.64.0.1", "cgnat"],
  ["100.127.255.255", "cgnat"],
  ["100.128.0.1", "public"],
  ["100.63.255.255", "public"],
  ["224.0.0.1", "reserved"],
  ["255.255.255.255", "reserved"],
  ["ff02::1", "reserved"],
  ["192.0.2.10", "reserved"],
  ["2001:db8::1", "reserved"],
  // IPv4-mapped, SIIT, IPv4-compatible and NAT64 forms take the embedded address's class.
  ["::ffff:127.0.0.1", "loopback"],
  ["::ffff:7f00:1", "loopback"],
  ["::ffff:10.1.2.3", "private"],
  ["::ffff:a9fe:a9fe", "metadata"],
  ["::ffff:169.254.1.1", "link_local"],
  ["::ffff:0.0.0.0", "unspecified"],
  ["::ffff:100.64.1.1", "cgnat"],
  ["::ffff:8.8.8.8", "public"],
  ["::ffff:0:127.0.0.1", "loopback"],
  ["::127.0.0.1", "loopback"],
  ["64:ff9b::a9fe:a9fe", "metadata"],
  ["64:ff9b::192.168.0.1", "private"],
  ["64:ff9b::8.8.8.8", "public"],
];

describe("classifyAddress", () => {
  it.each(ADDRESSES)("%s is %s", (address, kind) => {
    expect(classifyAddress(address)).toBe(kind);
  });

  it("extracts embedded IPv4 addresses only from the embedding prefixes", () => {
    expect(embeddedIpv4("::ffff:7f00:1")).toBe("127.0.0.1");
    expect(embeddedIpv4("::ffff:0:a00:1")).toBe("10.0.0.1");
    expect(embeddedIpv4("64:ff9b::7f00:1")).toBe("127.0.0.1");
    expect(embeddedIpv4("::1")).toBeUndefined();
    expect(embeddedIpv4("::")).toBeUndefined();
    expect(embeddedIpv4("2001:db8::7f00:1")).toBeUndefined();
    expect(embeddedIpv4("127.0.0.1")).toBeUndefined();
    expect(() => classifyAddress("example.com")).toThrow(TypeError);
  });
});

describe("assertEndpointAllowed", () => {
  const dns = fakeDns({
    "hooks.example.com": ["93.184.215.14", "2606:2800:21f:cb07:6820:80da:af6b:8b2c"],
    "loop.example.com": ["127.0.0.1"],
    "mixed.example.com": ["93.184.215.14", "10.0.0.7"],
    "v6private.example.com": ["fd00::5"],
    "mapped.example.com": ["::ffff:169.254.169.254"],
    "meta.example.com": ["169.254.169.254"],
    "cgnat.example.com": ["100.100.1.1"],
    "flaky.example.com": Object.assign(new Error("queryA ETIMEOUT"), { code: "EAI_AGAIN" }),
    "empty.example.com": [],
  });
  const strict: SsrfOptions = { resolve: dns };
  const dev: SsrfOptions = { resolve: dns, allowLoopback: true, allowPrivate: true };

  it("allows public endpoints and returns every address it checked", async () => {
    const result = await assertEndpointAllowed("https://hooks.example.com:8443/concord?x=1", strict);
    expect(result.hostname).toBe("hooks.example.com");
    expect(result.addresses.map((a) => a.address)).toEqual(["93.184.215.14", "2606:2800:21f:cb07:6820:80da:af6b:8b2c"]);
    expect(result.url.port).toBe("8443");
    expect(await refusal("http://8.8.8.8/hook", strict)).toBe("allowed");
    expect(await refusal("http://[2606:4700:4700::1111]/hook", strict)).toBe("allowed");
  });

  it("refuses every guarded class given as a literal address", async () => {
    for (const [address, kind] of ADDRESSES) {
      const host = address.includes(":") ? `[${address}]` : address;
      const expected = kind === "public" ? "allowed" : kind;
      expect(await refusal(`http://${host}/hook`, strict), address).toBe(expected);
    }
  });

  it("refuses names that resolve to a guarded address — if ANY of their addresses is guarded", async () => {
    expect(await refusal("http://loop.example.com/", strict)).toBe("loopback");
    expect(await refusal("https://mixed.example.com/", strict)).toBe("private");
    expect(await refusal("https://v6private.example.com/", strict)).toBe("private");
    expect(await refusal("https://mapped.example.com/", strict)).toBe("metadata");
    expect(await refusal("https://meta.example.com/", dev)).toBe("metadata");
    expect(await refusal("https://cgnat.example.com/", strict)).toBe("cgnat");
  });

  it("normalizes odd IPv4 spellings through the URL parser (decimal, hex, short forms)", async () => {
    for (const url of ["http://2130706433/", "http://0x7f.1/", "http://127.1/", "http://0177.0.0.1/", "http://[::ffff:127.0.0.1]/"]) {
      expect(await refusal(url, strict), url).toBe("loopback");
    }
    expect(await refusal("http://0/", strict)).toBe("unspecified");
    expect(await refusal("http://0xa9fea9fe/", strict)).toBe("metadata");
  });

  it("refuses metadata and localhost host names without asking DNS", async () => {
    const before = dns.calls.length;
    expect(await refusal("http://metadata.google.internal/computeMetadata/v1/", dev)).toBe("metadata");
    expect(await refusal("http://METADATA.GOOGLE.INTERNAL./", dev)).toBe("metadata");
    expect(await refusal("http://localhost:3000/", strict)).toBe("loopback");
    expect(await refusal("http://api.localhost/", strict)).toBe("loopback");
    expect(dns.calls.length).toBe(before);
  });

  it("refuses other schemes and credentials in the URL", async () => {
    for (const url of ["ftp://hooks.example.com/", "file:///etc/passwd", "gopher://hooks.example.com/", "ws://hooks.example.com/", "javascript:alert(1)"]) {
      expect(await refusal(url, dev), url).toBe("scheme_not_allowed");
    }
    expect(await refusal("https://user:pw@hooks.example.com/", strict)).toBe("credentials_in_url");
    expect(await refusal("https://user@hooks.example.com/", strict)).toBe("credentials_in_url");
    expect(await refusal("not a url", strict)).toBe("invalid_url");
    expect(await refusal("", strict)).toBe("invalid_url");
  });

  it("operator flags: loopback and private are allowed only when asked, the rest never", async () => {
    const loopbackOnly: SsrfOptions = { resolve: dns, allowLoopback: true };
    expect(await refusal("http://127.0.0.1:42071/hook", loopbackOnly)).toBe("allowed");
    expect(await refusal("http://[::1]:42071/hook", loopbackOnly)).toBe("allowed");
    expect(await refusal("http://localhost:42071/hook", loopbackOnly)).toBe("allowed");
    expect((await assertEndpointAllowed("http://localhost:42071/hook", loopbackOnly)).addresses.map((a) => a.address)).toEqual(["127.0.0.1", "::1"]);
    expect(await refusal("http://loop.example.com/", loopbackOnly)).toBe("allowed");
    expect(await refusal("http://10.0.0.1/", loopbackOnly)).toBe("private");
    const privateOnly: SsrfOptions = { resolve: dns, allowPrivate: true };
    expect(await refusal("http://10.0.0.1/", privateOnly)).toBe("allowed");
    expect(await refusal("http://[fd12::1]/", privateOnly)).toBe("allowed");
    expect(await refusal("http://100.64.0.1/", privateOnly)).toBe("allowed");
    expect(await refusal("http://127.0.0.1/", privateOnly)).toBe("loopback");
    for (const url of ["http://169.254.169.254/", "http://[fe80::1]/", "http://0.0.0.0/", "http://[::]/", "http://224.0.0.1/", "http://[fd00:ec2::254]/", "http://100.100.100.200/"]) {
      const reason = await refusal(url, dev);
      expect(reason, url).not.toBe("allowed");
    }
  });

  it("DNS failures (NXDOMAIN, empty answers, timeouts) are transient: the delivery is retried, not dead", async () => {
    expect(await refusal("https://nope.example.com/", strict)).toBe("no_address");
    expect(await refusal("https://empty.example.com/", strict)).toBe("no_address");
    const nx = await assertEndpointAllowed("https://nope.example.com/", strict).catch((e: EndpointNotAllowedError) => e);
    expect((nx as EndpointNotAllowedError).transient).toBe(true);
    const policy = await assertEndpointAllowed("http://127.0.0.1/", strict).catch((e: EndpointNotAllowedError) => e);
    expect((policy as EndpointNotAllowedError).transient).toBe(false);
    let error: EndpointNotAllowedError | undefined;
    try {
      await assertEndpointAllowed("https://flaky.example.com/", strict);
    } catch (caught) {
      error = caught as EndpointNotAllowedError;
    }
    expect(error?.reason).toBe("dns_failed");
    expect(error?.transient).toBe(true);
    expect(error?.code).toBe("endpoint_not_allowed");
  });

  it("the error names the URL and the offending address", async () => {
    const error = await assertEndpointAllowed("https://mixed.example.com/x", strict).catch((e: EndpointNotAllowedError) => e);
    expect(error).toBeInstanceOf(EndpointNotAllowedError);
    expect((error as EndpointNotAllowedError).address).toBe("10.0.0.7");
    expect((error as EndpointNotAllowedError).url).toBe("https://mixed.example.com/x");
    expect((error as EndpointNotAllowedError).transient).toBe(false);
    expect((error as EndpointNotAllowedError).message).toMatch(/10\.0\.0\.7/);
  });
});

describe("cachedEndpointCheck", () => {
  it("remembers allowed endpoints for ttlMs (no DNS per attempt), never refusals, and at most maxEntries", async () => {
    const table: Record<string, string[] | Error> = { "hooks.example.com": ["93.184.215.14"], "a.example.com": ["93.184.215.15"], "b.example.com": ["93.184.215.16"] };
    const dns = fakeDns(table);
    let clock = 1_000;
    const check = cachedEndpointCheck({ resolve: dns }, { ttlMs: 10_000, maxEntries: 2, now: () => clock });
    for (let i = 0; i < 5; i++) await check("https://hooks.example.com/x");
    expect(dns.calls).toEqual(["hooks.example.com"]);
    clock += 10_001; // expired: checked again
    await check("https://hooks.example.com/x");
    expect(dns.calls).toHaveLength(2);
    // A refusal is not remembered: once the name answers a public address again it is allowed at once.
    table["flip.example.com"] = ["10.0.0.1"];
    await expect(check("https://flip.example.com/")).rejects.toBeInstanceOf(EndpointNotAllowedError);
    await expect(check("https://flip.example.com/")).rejects.toBeInstanceOf(EndpointNotAllowedError);
    table["flip.example.com"] = ["93.184.215.17"];
    await check("https://flip.example.com/");
    expect(dns.calls.filter((h) => h === "flip.example.com")).toHaveLength(3);
    // maxEntries 2: the oldest entry is dropped first (hooks, then flip), so hooks is resolved again.
    await check("https://a.example.com/");
    await check("https://b.example.com/");
    await check("https://hooks.example.com/x");
    expect(dns.calls.filter((h) => h === "hooks.example.com")).toHaveLength(3);
    await check("https://b.example.com/");
    expect(dns.calls.filter((h) => h === "b.example.com")).toHaveLength(1);
  });
});

describe("pinnedLookup (DNS rebinding)", () => {
  let server: http.Server;
  let port: number;
  beforeAll(async () => {
    server = http.createServer((_req, res) => res.end("reached"));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  function get(url: string, lookup: ReturnType<typeof pinnedLookup>): Promise<string> {
    return new Promise((resolve, reject) => {
      const req = http.request(url, { lookup, agent: false }, (res) => {
        let text = "";
        res.on("data", (chunk) => (text += chunk));
        res.on("end", () => resolve(text));
      });
      req.on("error", reject);
      req.end();
    });
  }

  it("a name that answered a public address to the check and 127.0.0.1 to the connection is refused at connect", async () => {
    let answers = 0;
    const rebinding: Resolver = async () => (answers++ === 0 ? [{ address: "93.184.215.14", family: 4 }] : [{ address: "127.0.0.1", family: 4 }]);
    const options: SsrfOptions = { resolve: rebinding };
    const url = `http://rebind.example.com:${port}/`;
    await expect(assertEndpointAllowed(url, options)).resolves.toBeTruthy();
    const error = await get(url, pinnedLookup(options)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EndpointNotAllowedError);
    expect((error as EndpointNotAllowedError).reason).toBe("loopback");
    expect(answers).toBe(2);
  });

  it("connects to exactly the checked address when it is allowed (dev: loopback)", async () => {
    const resolve: Resolver = async () => [{ address: "127.0.0.1", family: 4 }];
    expect(await get(`http://hooks.dev.test:${port}/`, pinnedLookup({ resolve, allowLoopback: true }))).toBe("reached");
  });

  it("refuses when any address of the answer is guarded, and refuses metadata names", async () => {
    const resolve: Resolver = async () => [
      { address: "127.0.0.1", family: 4 },
      { address: "169.254.169.254", family: 4 },
    ];
    const error = await get(`http://two.example.com:${port}/`, pinnedLookup({ resolve, allowLoopback: true })).catch((e: unknown) => e);
    expect((error as EndpointNotAllowedError).reason).toBe("metadata");
    const meta = await get(`http://metadata.google.internal:${port}/`, pinnedLookup({ resolve, allowLoopback: true, allowPrivate: true })).catch((e: unknown) => e);
    expect((meta as EndpointNotAllowedError).reason).toBe("metadata");
  });

  it("answers in both callback shapes (all: true for happy-eyeballs, single otherwise) and filters by family", async () => {
    const lookup = pinnedLookup({ resolve: async () => [{ address: "93.184.215.14", family: 4 }, { address: "2606:2800:21f::1", family: 6 }] }) as unknown as (
      host: string,
      options: Record<string, unknown>,
      cb: (err: Error | null, address: unknown, family?: number) => void,
    ) => void;
    const call = (options: Record<string, unknown>) =>
      new Promise<{ err: Error | null; address: unknown; family?: number }>((resolve) => lookup("x.example.com", options, (err, address, family) => resolve({ err, address, family })));
    expect(await call({ all: true })).toMatchObject({ err: null, address: [{ address: "93.184.215.14", family: 4 }, { address: "2606:2800:21f::1", family: 6 }] });
    expect(await call({})).toMatchObject({ err: null, address: "93.184.215.14", family: 4 });
    expect(await call({ family: 6 })).toMatchObject({ err: null, address: "2606:2800:21f::1", family: 6 });
    const none = await call({ family: 6, all: false });
    expect(none.err).toBeNull();
    const v4only = pinnedLookup({ resolve: async () => [{ address: "93.184.215.14", family: 4 }] }) as unknown as typeof lookup;
    const missing = await new Promise<Error | null>((resolve) => v4only("x.example.com", { family: 6 }, (err) => resolve(err)));
    expect((missing as NodeJS.ErrnoException).code).toBe("ENOTFOUND");
  });
});

// How the relay core should send: Node's global fetch with an undici Agent whose sockets resolve through
// pinnedLookup. `undici` is present in node_modules (not yet a declared dependency): skipped if it goes away.
const undici = (await import("undici").catch(() => undefined)) as typeof import("undici") | undefined;

describe.skipIf(!undici)("global fetch + undici Agent({ connect: { lookup: pinnedLookup } })", () => {
  let server: http.Server;
  let port: number;
  beforeAll(async () => {
    server = http.createServer((_req, res) => res.end("reached"));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it("refuses a name that rebinds to loopback at connect time, and delivers when loopback is allowed", async () => {
    const resolve: Resolver = async () => [{ address: "127.0.0.1", family: 4 }];
    const strict = new undici!.Agent({ connect: { lookup: pinnedLookup({ resolve }) } });
    const dev = new undici!.Agent({ connect: { lookup: pinnedLookup({ resolve, allowLoopback: true }) } });
    try {
      const error = await fetch(`http://hooks.example.com:${port}/`, { dispatcher: strict } as unknown as RequestInit).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(TypeError);
      expect((error as { cause?: unknown }).cause).toBeInstanceOf(EndpointNotAllowedError);
      expect(((error as { cause: EndpointNotAllowedError }).cause).reason).toBe("loopback");
      const res = await fetch(`http://hooks.example.com:${port}/`, { dispatcher: dev } as unknown as RequestInit);
      expect(await res.text()).toBe("reached");
    } finally {
      await strict.close();
      await dev.close();
    }
  });
});
