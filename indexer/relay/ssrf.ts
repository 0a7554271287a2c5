/**
 * SSRF guard for webhook endpoints. Anyone can register any URL on chain (SubscriptionRegistry), so before the
 * relay POSTs to one it checks that the URL and EVERY address its host resolves to are public:
 *
 *   scheme            only http: and https:            (reason "scheme_not_allowed")
 *   credentials       no user:password@ in the URL     ("credentials_in_url")
 *   unspecified       0.0.0.0/8, ::                     ("unspecified")       never allowed
 *   cloud metadata    169.254.169.254, fd00:ec2::254, 169.254.170.2, metadata.google.internal … ("metadata") never
 *   link-local        169.254.0.0/16, fe80::/10         ("link_local")        never allowed
 *   multicast/reserved 224/4, 240/4, 255.255.255.255, ff00::/8, documentation/benchmark ranges ("reserved") never
 *   loopback          127.0.0.0/8, ::1, localhost       ("loopback")          allowed with allowLoopback
 *   private           10/8, 172.16/12, 192.168/16, fc00::/7, fec0::/10 ("private")  allowed with allowPrivate
 *   CGNAT             100.64.0.0/10                     ("cgnat")             allowed with allowPrivate
 *
 * IPv6 forms that embed an IPv4 address — IPv4-mapped ::ffff:a.b.c.d, IPv4-compatible ::a.b.c.d, NAT64
 * 64:ff9b::/96 — are judged by the embedded IPv4 address. The URL parser (WHATWG) already normalizes the
 * odd IPv4 spellings (http://2130706433/, http://0x7f.1/ → 127.0.0.1).
 *
 * DNS rebinding: a check followed by a separate resolution at connect time can be fooled (the name answers a
 * public address to the check, then 127.0.0.1 to the connection). So the connection must use `pinnedLookup`:
 * the lookup function the socket calls, which re-checks every address it hands to the socket. Addresses given
 * literally in the URL never reach a lookup function — `assertEndpointAllowed` covers those; call both.
 */
import { lookup as dnsLookup } from "node:dns/promises";
import { BlockList, isIP, type LookupFunction } from "node:net";

export type EndpointRefusalReason =
  | "invalid_url"
  | "scheme_not_allowed"
  | "credentials_in_url"
  | "unspecified"
  | "metadata"
  | "link_local"
  | "reserved"
  | "loopback"
  | "private"
  | "cgnat"
  | "no_address"
  | "dns_failed";

/**
 * The endpoint must not be called. `transient` (the name did not resolve: dns_failed, no_address) means: try
 * again later, like an unreachable endpoint; every other reason is a policy refusal that retrying cannot fix.
 */
export class EndpointNotAllowedError extends Error {
  readonly code = "endpoint_not_allowed" as const;
  readonly reason: EndpointRefusalReason;
  readonly url: string;
  /** The offending address (or hostname for metadata names), when one is at fault. */
  readonly address: string | undefined;
  readonly transient: boolean;

  constructor(reason: EndpointRefusalReason, url: string, message: string, address?: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "EndpointNotAllowedError";
    this.reason = reason;
    this.url = url;
    this.address = address;
    this.transient = reason === "dns_failed" || reason === "no_address";
  }
}

export type ResolvedAddress = { address: string; family: 4 | 6 };
/** Resolves a hostname to all its addresses (default: node:dns/promises lookup with all: true). */
export type Resolver = (hostname: string) => Promise<ResolvedAddress[]>;

export type SsrfOptions = {
  /** Allow 127.0.0.0/8, ::1 and localhost (the dev stack: RELAY_ALLOW_LOOPBACK=true). */
  allowLoopback?: boolean;
  /** Allow RFC 1918, unique-local IPv6 and CGNAT addresses (RELAY_ALLOW_PRIVATE=true). */
  allowPrivate?: boolean;
  resolve?: Resolver;
};

export type AddressClass = Exclude<EndpointRefusalReason, "invalid_url" | "scheme_not_allowed" | "credentials_in_url" | "no_address" | "dns_failed"> | "public";

function blockList(entries: ReadonlyArray<readonly [address: string, prefix: number]>): BlockList {
  const list = new BlockList();
  for (const [address, prefix] of entries) list.addSubnet(address, prefix, isIP(address) === 6 ? "ipv6" : "ipv4");
  return list;
}

// Checked in this order: the first class that contains the address wins.
const CLASSES: ReadonlyArray<readonly [AddressClass, BlockList]> = [
  ["unspecified", blockList([["0.0.0.0", 8], ["::", 128]])],
  [
    "metadata",
    blockList([
      ["169.254.169.254", 32], // AWS, GCP, Azure, OpenStack, DigitalOcean…
      ["169.254.170.2", 32], // AWS ECS task metadata
      ["169.254.169.123", 32], // AWS time sync
      ["100.100.100.200", 32], // Alibaba Cloud
      ["fd00:ec2::254", 128], // AWS IMDS over IPv6
      ["fd00:ec2::23", 128], // AWS DNS over IPv6
    ]),
  ],
  ["link_local", blockList([["169.254.0.0", 16], ["fe80::", 10]])],
  [
    "reserved",
    blockList([
      ["192.0.0.0", 24], // IETF protocol assignments
      ["192.0.2.0", 24], // TEST-NET-1
      ["198.18.0.0", 15], // benchmarking
      ["198.51.100.0", 24], // TEST-NET-2
      ["203.0.113.0", 24], // TEST-NET-3
      ["224.0.0.0", 4], // multicast
      ["240.0.0.0", 4], // reserved + 255.255.255.255 broadcast
      ["ff00::", 8], // multicast
      ["100::", 64], // discard-only
      ["2001:db8::", 32], // documentation
    ]),
  ],
  ["loopback", blockList([["127.0.0.0", 8], ["::1", 128]])],
  ["private", blockList([["10.0.0.0", 8], ["172.16.0.0", 12], ["192.168.0.0", 16], ["fc00::", 7], ["fec0::", 10]])],
  ["cgnat", blockList([["100.64.0.0", 10]])],
];

/** Host names that reach instance metadata services whatever DNS says. */
const METADATA_HOSTS = new Set(["metadata.google.internal", "metadata.goog", "metadata", "instance-data", "instance-data.ec2.internal"]);

/** The 16 bytes of an IPv6 address (valid per net.isIP), or undefined. */
function ipv6Bytes(address: string): number[] | undefined {
  let text = address.toLowerCase().split("%")[0]!;
  const words: number[] = [];
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  let tail: number[] = [];
  if (dotted) {
    const octets = dotted[1]!.split(".").map(Number);
    tail = [(octets[0]! << 8) | octets[1]!, (octets[2]! << 8) | octets[3]!];
    text = text.slice(0, -dotted[1]!.length);
    if (text.endsWith(":") && !text.endsWith("::")) text = text.slice(0, -1);
  }
  const [head, rest] = text.includes("::") ? text.split("::") : [text, undefined];
  const parse = (part: string | undefined) => (part ? part.split(":").filter((w) => w !== "").map((w) => parseInt(w, 16)) : []);
  const left = parse(head);
  const right = parse(rest);
  const fill = 8 - left.length - right.length - tail.length;
  if (rest === undefined ? fill !== 0 : fill < 0) return undefined;
  words.push(...left, ...Array<number>(rest === undefined ? 0 : fill).fill(0), ...right, ...tail);
  if (words.length !== 8 || words.some((w) => !Number.isInteger(w) || w < 0 || w > 0xffff)) return undefined;
  return words.flatMap((w) => [w >> 8, w & 0xff]);
}

/** The IPv4 address an IPv6 address stands for (IPv4-mapped, IPv4-compatible, NAT64), if any. */
export function embeddedIpv4(address: string): string | undefined {
  if (isIP(address) !== 6) return undefined;
  const b = ipv6Bytes(address);
  if (!b) return undefined;
  const zeros = (from: number, to: number) => b.slice(from, to).every((x) => x === 0);
  const v4 = b.slice(12).join(".");
  // ::ffff:a.b.c.d (mapped) and ::ffff:0:a.b.c.d (SIIT translated)
  if (zeros(0, 10) && b[10] === 0xff && b[11] === 0xff) return v4;
  if (zeros(0, 8) && b[8] === 0xff && b[9] === 0xff && zeros(10, 12)) return v4;
  // ::a.b.c.d (deprecated IPv4-compatible; not :: and ::1, which are IPv6's own)
  if (zeros(0, 12) && !zeros(12, 16) && !(zeros(12, 15) && b[15] === 1)) return v4;
  // 64:ff9b::/96 (NAT64 well-known prefix) and 64:ff9b:1::/48 (local-use NAT64)
  if (b[0] === 0x00 && b[1] === 0x64 && b[2] === 0xff && b[3] === 0x9b && (zeros(4, 12) || (b[4] === 0 && b[5] === 1))) return v4;
  return undefined;
}

/** Which class an IP address falls in ("public" when none of the guarded ones). Throws on a non-IP. */
export function classifyAddress(address: string): AddressClass {
  const family = isIP(address);
  if (family === 0) throw new TypeError(`Not an IP address: ${JSON.stringify(address)}`);
  const v4 = embeddedIpv4(address);
  if (v4 !== undefined) return classifyAddress(v4);
  const type = family === 6 ? "ipv6" : "ipv4";
  const plain = family === 6 ? address.split("%")[0]! : address;
  for (const [name, list] of CLASSES) if (list.check(plain, type)) return name;
  return "public";
}

function permitted(kind: AddressClass, { allowLoopback = false, allowPrivate = false }: SsrfOptions): boolean {
  if (kind === "public") return true;
  if (kind === "loopback") return allowLoopback;
  if (kind === "private" || kind === "cgnat") return allowPrivate;
  return false;
}

const DESCRIPTIONS: Record<AddressClass, string> = {
  public: "public",
  unspecified: "an unspecified address",
  metadata: "a cloud metadata service",
  link_local: "a link-local address",
  reserved: "a reserved/multicast/documentation address",
  loopback: "a loopback address (RELAY_ALLOW_LOOPBACK=true permits it)",
  private: "a private-network address (RELAY_ALLOW_PRIVATE=true permits it)",
  cgnat: "a carrier-grade NAT address (RELAY_ALLOW_PRIVATE=true permits it)",
};

/** Throws EndpointNotAllowedError unless `address` may be connected to under `options`. */
export function assertAddressAllowed(address: string, options: SsrfOptions, url = address): void {
  if (isIP(address) === 0) throw new EndpointNotAllowedError("invalid_url", url, `Not an IP address: ${address}`, address);
  const kind = classifyAddress(address);
  if (!permitted(kind, options)) {
    throw new EndpointNotAllowedError(kind as EndpointRefusalReason, url, `${url} resolves to ${address}, ${DESCRIPTIONS[kind]}`, address);
  }
}

const defaultResolver: Resolver = async (hostname) =>
  (await dnsLookup(hostname, { all: true, verbatim: true })).map(({ address, family }) => ({ address, family: family === 6 ? 6 : 4 }));

/** Lowercase hostname without the trailing dot; IPv6 literals without brackets. */
function hostOf(url: URL): string {
  let host = url.hostname.toLowerCase();
  if (host.startsWith("[") && host.endsWith("]")) host = host.slice(1, -1);
  return host.replace(/\.+$/, "");
}

/** RFC 6761: localhost names are loopback, whatever a resolver says; they never reach DNS. */
const LOCALHOST_ADDRESSES: ResolvedAddress[] = [
  { address: "127.0.0.1", family: 4 },
  { address: "::1", family: 6 },
];

function nameClass(host: string): AddressClass | undefined {
  if (METADATA_HOSTS.has(host)) return "metadata";
  if (host === "localhost" || host.endsWith(".localhost")) return "loopback";
  return undefined;
}

export type AllowedEndpoint = { url: URL; hostname: string; addresses: ResolvedAddress[] };

/**
 * Checks a webhook endpoint: http(s), no credentials, and every address of its host allowed (all of them: a
 * client may pick any). Resolves names with `options.resolve` (default node:dns lookup, all addresses).
 * Returns the parsed URL and the addresses checked; throws EndpointNotAllowedError (with `reason`) otherwise.
 */
export async function assertEndpointAllowed(url: string | URL, options: SsrfOptions = {}): Promise<AllowedEndpoint> {
  const text = String(url);
  let parsed: URL;
  try {
    parsed = new URL(text);
  } catch (error) {
    throw new EndpointNotAllowedError("invalid_url", text, `Not a URL: ${text.slice(0, 200)}`, undefined, { cause: error });
  }
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:") {
    throw new EndpointNotAllowedError("scheme_not_allowed", text, `Only http and https endpoints are allowed, not ${parsed.protocol}`);
  }
  if (parsed.username !== "" || parsed.password !== "") {
    throw new EndpointNotAllowedError("credentials_in_url", text, "Endpoints must not carry credentials (user:password@)");
  }
  const hostname = hostOf(parsed);
  if (hostname === "") throw new EndpointNotAllowedError("invalid_url", text, "The endpoint has no host");

  if (isIP(hostname) !== 0) {
    assertAddressAllowed(hostname, options, text);
    return { url: parsed, hostname, addresses: [{ address: hostname, family: isIP(hostname) === 6 ? 6 : 4 }] };
  }
  const named = nameClass(hostname);
  if (named !== undefined && !permitted(named, options)) {
    throw new EndpointNotAllowedError(named as EndpointRefusalReason, text, `${hostname} is ${DESCRIPTIONS[named]}`, hostname);
  }

  let addresses: ResolvedAddress[];
  try {
    addresses = named === "loopback" ? LOCALHOST_ADDRESSES : await (options.resolve ?? defaultResolver)(hostname);
  } catch (error) {
    const code = (error as { code?: string }).code;
    // Both are transient (a resolver hiccup also answers ENOTFOUND); the reason tells them apart for logs.
    if (code === "ENOTFOUND" || code === "ENODATA") {
      throw new EndpointNotAllowedError("no_address", text, `${hostname} does not resolve (${code})`, undefined, { cause: error });
    }
    throw new EndpointNotAllowedError("dns_failed", text, `Resolving ${hostname} failed: ${(error as Error).message}`, undefined, { cause: error });
  }
  if (addresses.length === 0) throw new EndpointNotAllowedError("no_address", text, `${hostname} resolves to no address`);
  for (const { address } of addresses) assertAddressAllowed(address, options, text);
  return { url: parsed, hostname, addresses };
}

type LookupOptions = { family?: number | string; all?: boolean; hints?: number; verbatim?: boolean; order?: string };
type LookupCallback = (error: NodeJS.ErrnoException | null, address: string | ResolvedAddress[], family?: number) => void;

/**
 * A `lookup` for net/tls sockets (http.request's `lookup`, an undici Agent's `connect: { lookup }`) that
 * resolves with `options.resolve` (default DNS) and refuses — with EndpointNotAllowedError, before any
 * connection — unless every address is allowed. The socket connects to exactly the addresses checked here,
 * which closes the DNS-rebinding window between assertEndpointAllowed and the connection.
 */
export function pinnedLookup(options: SsrfOptions = {}): LookupFunction {
  const lookup = (hostname: string, lookupOptions: LookupOptions | number | undefined, callback: LookupCallback): void => {
    const opts: LookupOptions = typeof lookupOptions === "number" ? { family: lookupOptions } : (lookupOptions ?? {});
    const wantFamily = opts.family === "IPv4" ? 4 : opts.family === "IPv6" ? 6 : Number(opts.family ?? 0);
    const host = hostname.toLowerCase().replace(/^\[|\]$/g, "").replace(/\.+$/, "");
    const label = `(lookup of ${hostname})`;
    const run = async (): Promise<ResolvedAddress[]> => {
      const named = nameClass(host);
      if (named !== undefined && !permitted(named, options)) {
        throw new EndpointNotAllowedError(named as EndpointRefusalReason, label, `${host} is ${DESCRIPTIONS[named]}`, host);
      }
      const found =
        isIP(host) !== 0
          ? [{ address: host, family: isIP(host) as 4 | 6 }]
          : named === "loopback"
            ? LOCALHOST_ADDRESSES
            : await (options.resolve ?? defaultResolver)(host);
      for (const { address } of found) assertAddressAllowed(address, options, label);
      const usable = wantFamily === 4 || wantFamily === 6 ? found.filter((a) => a.family === wantFamily) : found;
      if (usable.length === 0) {
        const error = new Error(`${hostname} has no IPv${wantFamily || ""} address`) as NodeJS.ErrnoException;
        error.code = "ENOTFOUND";
        throw error;
      }
      return usable;
    };
    run().then(
      (usable) => (opts.all ? callback(null, usable) : callback(null, usable[0]!.address, usable[0]!.family)),
      (error: NodeJS.ErrnoException) => callback(error, opts.all ? [] : ""),
    );
  };
  return lookup as unknown as LookupFunction;
}

/**
 * assertEndpointAllowed with a short memory of the endpoints it ALLOWED (per URL text, `ttlMs`, at most
 * `maxEntries`; the oldest entry goes first). The relay checks the endpoint before every attempt, and for a host
 * name each check is a DNS lookup: a 1,000-subscription fan-out to one host asked the resolver 1,000 times. A
 * remembered "allowed" cannot be abused by DNS rebinding: connections resolve through pinnedLookup, which checks
 * the addresses actually connected to. Refusals are never remembered (a fixed DNS answer is seen at once).
 */
export function cachedEndpointCheck(
  options: SsrfOptions,
  { ttlMs = 10_000, maxEntries = 10_000, now = Date.now }: { ttlMs?: number; maxEntries?: number; now?: () => number } = {},
): (url: string) => Promise<void> {
  const allowedUntil = new Map<string, number>();
  return async (url) => {
    const until = allowedUntil.get(url);
    if (until !== undefined && until > now()) return;
    await assertEndpointAllowed(url, options);
    allowedUntil.delete(url); // re-insert at the end: Map order = age
    allowedUntil.set(url, now() + ttlMs);
    while (allowedUntil.size > maxEntries) allowedUntil.delete(allowedUntil.keys().next().value!);
  };
}
