/**
 * Wallet-signed HTTP requests to the Concord relay (and any Concord off-chain write API): the agent signs an
 * EIP-712 `RelayRequest` binding the method, the path (with its query string), the time, the keccak256 of the
 * exact body bytes and a random single-use nonce; the server recovers the signer (EOA, or EIP-1271 smart
 * account), checks the time (±5 min) and burns the nonce.
 *
 * Domain: { name: "Concord Relay", version: "1", chainId, verifyingContract? } — `verifyingContract` is the
 * SubscriptionRegistry of the deployment the relay serves, when the relay is configured with it: subscription ids
 * only mean something within one registry, so a signature for one deployment cannot be replayed to a relay of
 * another deployment on the same chain. A relay configured without it expects a domain without it (dev, tests).
 *
 * Headers: x-concord-address, x-concord-timestamp (unix seconds), x-concord-nonce (bytes32 hex),
 * x-concord-signature (hex).
 */
import { bytesToHex, getAddress, isAddress, keccak256, toBytes, type Account, type Address, type Hex } from "viem";
import { SigningError } from "./errors.ts";
import { signerAddress, signTypedMessage, type TypedDataSigner } from "./signer.ts";

export const RELAY_REQUEST_DOMAIN_NAME = "Concord Relay";
export const RELAY_REQUEST_DOMAIN_VERSION = "1";
/** How far (seconds) a request's timestamp may be from the server's clock, both ways. */
export const RELAY_REQUEST_TOLERANCE_SECONDS = 300;

export const RELAY_REQUEST_TYPES = {
  RelayRequest: [
    { name: "method", type: "string" },
    { name: "path", type: "string" },
    { name: "timestamp", type: "uint256" },
    { name: "bodyHash", type: "bytes32" },
    { name: "nonce", type: "bytes32" },
  ],
} as const;

export const SIGNED_REQUEST_HEADERS = {
  address: "x-concord-address",
  timestamp: "x-concord-timestamp",
  nonce: "x-concord-nonce",
  signature: "x-concord-signature",
} as const;

export type RelayRequestDomain = { name: string; version: string; chainId: number; verifyingContract?: Address };

export type RelayRequestMessage = { method: string; path: string; timestamp: bigint; bodyHash: Hex; nonce: Hex };

export type SignedRequestHeaders = {
  "x-concord-address": Address;
  "x-concord-timestamp": string;
  "x-concord-nonce": Hex;
  "x-concord-signature": Hex;
};

/** The EIP-712 domain of relay requests on `chainId` (optionally bound to a SubscriptionRegistry). */
export function relayRequestDomain(chainId: number, verifyingContract?: Address | null): RelayRequestDomain {
  if (!Number.isSafeInteger(chainId) || chainId <= 0) throw new SigningError("domain_invalid", `chainId must be a positive integer, got ${chainId}`);
  if (verifyingContract === undefined || verifyingContract === null) {
    return { name: RELAY_REQUEST_DOMAIN_NAME, version: RELAY_REQUEST_DOMAIN_VERSION, chainId };
  }
  if (!isAddress(verifyingContract, { strict: false })) throw new SigningError("domain_invalid", `verifyingContract is not an address: ${verifyingContract}`);
  return { name: RELAY_REQUEST_DOMAIN_NAME, version: RELAY_REQUEST_DOMAIN_VERSION, chainId, verifyingContract: getAddress(verifyingContract) };
}

/** keccak256 of the exact body bytes (a string is UTF-8 encoded); no body = keccak256 of zero bytes. */
export function hashRequestBody(body: string | Uint8Array | undefined | null): Hex {
  if (body === undefined || body === null) return keccak256(new Uint8Array(0));
  return keccak256(typeof body === "string" ? toBytes(body) : body);
}

/** Uppercase method; the path must start with "/" (include the query string exactly as sent). */
export function normalizeMethod(method: string): string {
  const upper = method.toUpperCase();
  if (!/^[A-Z]{1,16}$/.test(upper)) throw new SigningError("signer_invalid", `Not an HTTP method: ${JSON.stringify(method)}`);
  return upper;
}

export function randomNonce(): Hex {
  return bytesToHex(crypto.getRandomValues(new Uint8Array(32)));
}

export type SignRequestInput = {
  method: string;
  /** Path and query exactly as the server receives them, e.g. "/v1/subscriptions/7/secret". */
  path: string;
  /** The exact body that is sent (string or bytes); omit for none. */
  body?: string | Uint8Array;
  chainId: number;
  /** The SubscriptionRegistry address when the relay is configured with one (see the module comment). */
  verifyingContract?: Address | null;
  /** Unix seconds (default now). */
  timestamp?: number;
  /** bytes32 (default random). */
  nonce?: Hex;
};

/** A local account (typed as viem's `Account` or `LocalAccount`) or a wallet client with an account. */
export type RequestSigner = TypedDataSigner | Account;

function asTypedDataSigner(signer: RequestSigner): TypedDataSigner {
  const candidate = signer as { type?: string; signTypedData?: unknown };
  if (candidate.type === "json-rpc") {
    throw new SigningError("signer_invalid", "A JSON-RPC account cannot sign by itself: pass the wallet client that holds it");
  }
  return signer as TypedDataSigner;
}

/** Signs one request; returns the four x-concord-* headers to send with it. */
export async function signRequest(signerInput: RequestSigner, input: SignRequestInput): Promise<SignedRequestHeaders> {
  const signer = asTypedDataSigner(signerInput);
  if (typeof input.path !== "string" || !input.path.startsWith("/")) throw new SigningError("signer_invalid", `path must start with "/", got ${JSON.stringify(input.path)}`);
  const timestamp = input.timestamp ?? Math.floor(Date.now() / 1000);
  if (!Number.isSafeInteger(timestamp) || timestamp < 0) throw new SigningError("signer_invalid", `timestamp must be unix seconds, got ${timestamp}`);
  const nonce = input.nonce ?? randomNonce();
  if (!/^0x[0-9a-fA-F]{64}$/.test(nonce)) throw new SigningError("signer_invalid", "nonce must be 32 bytes of hex");
  const message: RelayRequestMessage = {
    method: normalizeMethod(input.method),
    path: input.path,
    timestamp: BigInt(timestamp),
    bodyHash: hashRequestBody(input.body),
    nonce: nonce.toLowerCase() as Hex,
  };
  const signed = await signTypedMessage(signer, relayRequestDomain(input.chainId, input.verifyingContract), RELAY_REQUEST_TYPES, "RelayRequest", message);
  return {
    "x-concord-address": signerAddress(signer),
    "x-concord-timestamp": String(timestamp),
    "x-concord-nonce": message.nonce,
    "x-concord-signature": signed.signature,
  };
}

/**
 * Like signRequest, for a smart-account agent: signs with its owner key but names `account` (the EIP-1271
 * contract) as the requester; the relay verifies through the account's isValidSignature.
 */
export async function signRequestAs(account: Address, signer: RequestSigner, input: SignRequestInput): Promise<SignedRequestHeaders> {
  if (!isAddress(account, { strict: false })) throw new SigningError("signer_invalid", `Not an address: ${account}`);
  return { ...(await signRequest(signer, input)), "x-concord-address": getAddress(account) };
}

/**
 * fetch with a signed request: signs `init.body` (string or bytes) for `url`'s path and query, and sends it.
 * `fetchImpl` defaults to the global fetch.
 */
export async function signedFetch(
  signer: RequestSigner,
  url: string | URL,
  init: Omit<RequestInit, "body"> & { body?: string | Uint8Array; chainId: number; verifyingContract?: Address | null; account?: Address },
  fetchImpl: typeof fetch = fetch,
): Promise<Response> {
  const target = new URL(url);
  const { chainId, verifyingContract, account, body, ...rest } = init;
  const input: SignRequestInput = { method: rest.method ?? "GET", path: `${target.pathname}${target.search}`, body, chainId, verifyingContract };
  const headers = account ? await signRequestAs(account, signer, input) : await signRequest(signer, input);
  const merged = new Headers(rest.headers);
  for (const [name, value] of Object.entries(headers)) merged.set(name, value);
  if (body !== undefined && !merged.has("content-type")) merged.set("content-type", "application/json");
  return fetchImpl(target, { ...rest, method: input.method, headers: merged, body });
}
