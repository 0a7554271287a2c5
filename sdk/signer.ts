/**
 * Who signs: a viem local account (private key, mnemonic) or a wallet client with an account (local or
 * JSON-RPC). Every `sign*` helper of the SDK takes either.
 */
import { hashTypedData, type Account, type Address, type Hex, type LocalAccount, type WalletClient } from "viem";
import type { Domain } from "./domain.ts";
import { SigningError } from "./errors.ts";

/** A viem local account, or a wallet client that has an account. */
export type TypedDataSigner = LocalAccount | WalletClient;

/** A field list of an EIP-712 struct type. */
export type TypedFields = readonly { readonly name: string; readonly type: string }[];

/** What every `sign*` helper returns: the message, its EIP-712 digest (what the contract verifies) and the signature. */
export type Signed<message> = {
  message: message;
  /** The EIP-712 digest (`_hashTypedDataV4(structHash)` on chain; the contracts' `hash*` views return it). */
  digest: Hex;
  signature: Hex;
};

function accountOf(signer: TypedDataSigner): Account {
  if ("signTypedData" in signer && "address" in signer && (signer as LocalAccount).type === "local") return signer as LocalAccount;
  const account = (signer as WalletClient).account;
  if (account === undefined) throw new SigningError("signer_invalid", "The wallet client has no account: create it with `account` or pass a local account");
  return account;
}

/** The address that signs (for a smart-account agent, the EOA that owns it, not the account itself). */
export function signerAddress(signer: TypedDataSigner): Address {
  return accountOf(signer).address;
}

/** The EIP-712 digest of `message` of `primaryType` under `domain`. */
export function typedDigest(domain: Domain, types: Record<string, TypedFields>, primaryType: string, message: Record<string, unknown>): Hex {
  // The struct types are declared `as const` by the callers; viem's generics cannot follow a dynamic primaryType.
  const params = { domain, types, primaryType, message } as unknown as Parameters<typeof hashTypedData>[0];
  return hashTypedData(params);
}

/** Signs `message` of `primaryType` under `domain`; returns it with its digest and the signature. */
export async function signTypedMessage<message extends Record<string, unknown>>(
  signer: TypedDataSigner,
  domain: Domain,
  types: Record<string, TypedFields>,
  primaryType: string,
  message: message,
): Promise<Signed<message>> {
  const account = accountOf(signer);
  const definition = { domain, types, primaryType, message };
  let signature: Hex;
  if (account === signer) {
    signature = await (signer as LocalAccount).signTypedData(definition as unknown as Parameters<LocalAccount["signTypedData"]>[0]);
  } else {
    const params = { account, ...definition } as unknown as Parameters<WalletClient["signTypedData"]>[0];
    signature = await (signer as WalletClient).signTypedData(params);
  }
  return { message, digest: typedDigest(domain, types, primaryType, message), signature };
}
