/**
 * Wallet-signed requests on the relay's API: the walletAuth middleware, its nonce stores and verifiers.
 * Wire-up (relay core):
 *
 *   const nonceStore = dbNonceStore(db);                       // table relay_nonces (created on first use, or migrateAuth(db))
 *   const auth = walletAuth({ chainId, verifyingContract: registry ?? null, nonceStore, publicClient? });
 *   app.use("/v1/subscriptions/*", auth);  …  signerOf(c) / c.get("signer")
 */
export { AUTH_SCHEMA_SQL, dbNonceStore, memoryNonceStore, migrateAuth } from "./nonceStore.ts";
export type { DbNonceStoreOptions, NonceStore } from "./nonceStore.ts";
export { eoaVerifier, publicClientVerifier, signerOf, walletAuth } from "./walletAuth.ts";
export type {
  SignatureVerifier,
  SignedRequestInfo,
  TypedDataVerifyingClient,
  VerifyParams,
  WalletAuthErrorCode,
  WalletAuthOptions,
  WalletAuthVariables,
} from "./walletAuth.ts";
