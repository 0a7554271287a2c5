/**
 * Hono middleware that authenticates a wallet-signed request (sdk/signedRequest.ts):
 *
 *   1. the four x-concord-* headers are present and well-formed           else 401 auth_missing / auth_malformed
 *   2. x-concord-timestamp within ±toleranceSeconds of now                else 401 auth_expired / auth_future
 *   3. EIP-712 RelayRequest(method, path+query as received, timestamp, keccak256(raw body), nonce) under
 *      { name: "Concord Relay", version: "1", chainId[, verifyingContract] } is signed by x-concord-address
 *      (EOA recovery, or EIP-1271 through `verify`/`publicClient`)      else 401 auth_invalid_signature
 *      — a request signed for another chain, registry, method, path or body lands here
 *   4. the nonce was never used by this signer (burned now)               else 401 auth_replayed
 *
 * Then `c.get("signer")` is the checksummed address and the handler runs (the body stays readable:
 * Hono caches it). Running it twice on one request (nested mounts) verifies once.
 * Errors: `{ error: { code, message, details? } }` like the rest of the relay API.
 */
import type { Context, MiddlewareHandler } from "hono";
import { getAddress, isAddress, verifyTypedData, type Address, type Hex } from "viem";
import {
  hashRequestBody,
  RELAY_REQUEST_TOLERANCE_SECONDS,
  RELAY_REQUEST_TYPES,
  relayRequestDomain,
  SIGNED_REQUEST_HEADERS,
  type RelayRequestDomain,
  type RelayRequestMessage,
} from "../../../sdk/signedRequest.ts";
import type { NonceStore } from "./nonceStore.ts";

export type VerifyParams = {
  address: Address;
  domain: RelayRequestDomain;
  types: typeof RELAY_REQUEST_TYPES;
  primaryType: "RelayRequest";
  message: RelayRequestMessage;
  signature: Hex;
};
/** True when `signature` is `address`'s signature of the typed data (EOA or smart account). */
export type SignatureVerifier = (params: VerifyParams) => Promise<boolean>;

/** EOAs only: recovers the signer offline (no RPC). */
export const eoaVerifier: SignatureVerifier = async (params) => {
  try {
    return await verifyTypedData(params);
  } catch {
    return false;
  }
};

/** viem's public client (its verifyTypedData action): EOAs, deployed EIP-1271 accounts, ERC-6492 counterfactual ones. */
export type TypedDataVerifyingClient = {
  verifyTypedData(params: VerifyParams): Promise<boolean>;
  /** Used to tell "invalid" from "RPC down" after a negative answer (viem answers false for both). */
  getChainId?(): Promise<number>;
};

/**
 * Verifies through `client` (EIP-1271 / ERC-6492 smart accounts), after an offline ECDSA recovery: a plain
 * EOA signature is accepted without any RPC call, so EOAs keep working while the chain's RPC is down. A
 * negative answer is double-checked with getChainId(): when the RPC is unreachable, walletAuth answers 503
 * (try again) instead of 401.
 */
export function publicClientVerifier(client: TypedDataVerifyingClient): SignatureVerifier {
  return async (params) => {
    if (await eoaVerifier(params)) return true;
    let valid: boolean;
    try {
      valid = await client.verifyTypedData(params);
    } catch (error) {
      throw new VerifierUnavailableError(error);
    }
    if (!valid && client.getChainId) {
      try {
        await client.getChainId();
      } catch (error) {
        throw new VerifierUnavailableError(error);
      }
    }
    return valid;
  };
}

class VerifierUnavailableError extends Error {
  constructor(cause: unknown) {
    // No cause text in the message: viem's errors name the RPC URL, which may carry an API key.
    super("Smart-account signature verification is unavailable (the chain's RPC does not answer): try again later", { cause });
    this.name = "VerifierUnavailableError";
  }
}

export type WalletAuthErrorCode =
  | "auth_missing"
  | "auth_malformed"
  | "auth_expired"
  | "auth_future"
  | "auth_invalid_signature"
  | "auth_replayed"
  | "auth_body_too_large"
  | "auth_unavailable";

export type WalletAuthOptions = {
  chainId: number;
  /** The SubscriptionRegistry address the relay serves (put in the domain); null/undefined = none. */
  verifyingContract?: Address | null;
  nonceStore: NonceStore;
  /** Epoch milliseconds (default Date.now). */
  now?: () => number;
  /** Default: `publicClient` when given (EIP-1271 + EOAs), else offline EOA recovery. */
  verify?: SignatureVerifier;
  publicClient?: TypedDataVerifyingClient;
  toleranceSeconds?: number;
  /** Largest body accepted (bytes, default 1 MiB). */
  maxBodyBytes?: number;
};

export type SignedRequestInfo = { address: Address; timestamp: number; nonce: Hex; method: string; path: string; bodyHash: Hex };
export type WalletAuthVariables = { signer: Address; signedRequest: SignedRequestInfo };

const errorBody = (code: WalletAuthErrorCode, message: string, details?: Record<string, unknown>) => ({
  error: { code, message, ...(details ? { details } : {}) },
});

/** The authenticated signer of a request that passed walletAuth (checksummed), or undefined. */
export function signerOf(c: Context): Address | undefined {
  return (c.get as (key: string) => unknown)("signer") as Address | undefined;
}

export function walletAuth(options: WalletAuthOptions): MiddlewareHandler<{ Variables: WalletAuthVariables }> {
  const domain = relayRequestDomain(options.chainId, options.verifyingContract);
  const verify = options.verify ?? (options.publicClient ? publicClientVerifier(options.publicClient) : eoaVerifier);
  const now = options.now ?? Date.now;
  const tolerance = options.toleranceSeconds ?? RELAY_REQUEST_TOLERANCE_SECONDS;
  const maxBodyBytes = options.maxBodyBytes ?? 1 << 20;
  const domainDetails = { domain: { ...domain }, primaryType: "RelayRequest" };

  return async (c, next) => {
    if (c.get("signer") !== undefined) return next();
    const fail = (status: 401 | 413 | 503, code: WalletAuthErrorCode, message: string, details?: Record<string, unknown>) =>
      c.json(errorBody(code, message, details), status);

    const address = c.req.header(SIGNED_REQUEST_HEADERS.address);
    const timestampText = c.req.header(SIGNED_REQUEST_HEADERS.timestamp);
    const nonce = c.req.header(SIGNED_REQUEST_HEADERS.nonce);
    const signature = c.req.header(SIGNED_REQUEST_HEADERS.signature);
    const missing = Object.values(SIGNED_REQUEST_HEADERS).filter((name) => !c.req.header(name));
    if (missing.length > 0 || !address || !timestampText || !nonce || !signature) {
      return fail(401, "auth_missing", `A wallet-signed request needs the headers ${Object.values(SIGNED_REQUEST_HEADERS).join(", ")}`, { missing });
    }
    if (!isAddress(address, { strict: false })) return fail(401, "auth_malformed", `${SIGNED_REQUEST_HEADERS.address} is not an address`);
    if (!/^\d{1,15}$/.test(timestampText)) return fail(401, "auth_malformed", `${SIGNED_REQUEST_HEADERS.timestamp} must be unix seconds`);
    if (!/^0x[0-9a-fA-F]{64}$/.test(nonce)) return fail(401, "auth_malformed", `${SIGNED_REQUEST_HEADERS.nonce} must be 32 bytes of hex (0x + 64)`);
    // 65-byte ECDSA signatures, or longer ones for smart accounts (EIP-1271 / ERC-6492), capped.
    if (!/^0x(?:[0-9a-fA-F]{2}){64,8192}$/.test(signature)) return fail(401, "auth_malformed", `${SIGNED_REQUEST_HEADERS.signature} must be hex`);

    const timestamp = Number(timestampText);
    const nowSeconds = Math.floor(now() / 1000);
    if (nowSeconds - timestamp > tolerance) {
      return fail(401, "auth_expired", `The request was signed ${nowSeconds - timestamp} s ago (tolerance ${tolerance} s): sign it again`, { timestamp, now: nowSeconds });
    }
    if (timestamp - nowSeconds > tolerance) {
      return fail(401, "auth_future", `The request is dated ${timestamp - nowSeconds} s in the future (tolerance ${tolerance} s): check the clock`, { timestamp, now: nowSeconds });
    }

    const declared = Number(c.req.header("content-length") ?? 0);
    if (declared > maxBodyBytes) return fail(413, "auth_body_too_large", `The body exceeds ${maxBodyBytes} bytes`);
    const body = new Uint8Array(await c.req.arrayBuffer());
    if (body.byteLength > maxBodyBytes) return fail(413, "auth_body_too_large", `The body exceeds ${maxBodyBytes} bytes`);

    const url = new URL(c.req.url);
    const message: RelayRequestMessage = {
      method: c.req.method.toUpperCase(),
      path: `${url.pathname}${url.search}`,
      timestamp: BigInt(timestamp),
      bodyHash: hashRequestBody(body),
      nonce: nonce.toLowerCase() as Hex,
    };
    const signer = getAddress(address);
    let valid: boolean;
    try {
      valid = await verify({ address: signer, domain, types: RELAY_REQUEST_TYPES, primaryType: "RelayRequest", message, signature: signature as Hex });
    } catch (error) {
      return fail(503, "auth_unavailable", (error as Error).message);
    }
    if (!valid) {
      return fail(
        401,
        "auth_invalid_signature",
        `The signature is not ${signer}'s signature of this request: sign RelayRequest(method, path, timestamp, bodyHash, nonce) for exactly this method, path (with query), raw body and the relay's domain`,
        { ...domainDetails, method: message.method, path: message.path, bodyHash: message.bodyHash },
      );
    }

    let fresh: boolean;
    try {
      fresh = await options.nonceStore.consume(signer.toLowerCase(), message.nonce, (timestamp + tolerance) * 1000 + 60_000, now());
    } catch (error) {
      return fail(503, "auth_unavailable", `The nonce store failed: ${(error as Error).message}`);
    }
    if (!fresh) return fail(401, "auth_replayed", `Nonce ${message.nonce} was already used by ${signer}: every request needs a new nonce`);

    c.set("signer", signer);
    c.set("signedRequest", { address: signer, timestamp, nonce: message.nonce, method: message.method, path: message.path, bodyHash: message.bodyHash });
    await next();
  };
}
