/**
 * EIP-712 helpers for tests (and a model for the agent SDK).
 *
 *   import { readDomain, signTyped, signInvite } from "../helpers/signatures.ts";
 *   const domain = await readDomain(publicClient, registry.address);          // ERC-5267 eip712Domain()
 *   const sig = await signTyped(wallet, domain, { Foo: [...] }, "Foo", message); // any typed struct
 *   const { invite, hash, signature } = await signInvite(adminWallet, domain, { swarmId: 1n, ... });
 *
 * EIP-1271 (smart account) signers: MockERC1271Wallet accepts an ECDSA signature of the digest by its owner,
 * so sign with the owner's wallet client and pass the wallet contract's address as the signer.
 */
import { getEip712Domain } from "viem/actions";
import { hashTypedData, type Address, type Client, type Hex, type TypedDataDomain, type WalletClient } from "viem";

/** An EIP-712 domain with only the fields the contract declares (ERC-5267 `fields` bitmap applied). */
export type Domain = TypedDataDomain;

/** EIP-712 field list of a struct type, as viem expects it. */
export type TypedFields = readonly { name: string; type: string }[];

/**
 * Reads a contract's EIP-712 domain through ERC-5267 `eip712Domain()` (OpenZeppelin EIP712 implements it)
 * and keeps only the fields the contract declares, so the digest matches `_hashTypedDataV4`.
 */
export async function readDomain(client: Client, address: Address): Promise<Domain> {
  const { domain, fields } = await getEip712Domain(client, { address });
  const bits = Number.parseInt(fields, 16);
  const out: Domain = {};
  if (bits & 0x01) out.name = domain.name;
  if (bits & 0x02) out.version = domain.version;
  if (bits & 0x04) out.chainId = domain.chainId;
  if (bits & 0x08) out.verifyingContract = domain.verifyingContract;
  if (bits & 0x10) out.salt = domain.salt;
  return out;
}

/** Signs `message` of `primaryType` under `domain` with the wallet client's own account. */
export async function signTyped(
  wallet: WalletClient,
  domain: Domain,
  types: Record<string, TypedFields>,
  primaryType: string,
  message: Record<string, unknown>,
): Promise<Hex> {
  if (wallet.account === undefined) throw new Error("wallet client has no account");
  // viem's strict typed-data generics need literal types; tests build types dynamically, so widen here.
  const params = { account: wallet.account, domain, types, primaryType, message } as unknown as Parameters<WalletClient["signTypedData"]>[0];
  return wallet.signTypedData(params);
}

/** The EIP-712 digest of `message` (what `_hashTypedDataV4` returns on-chain). */
export function typedDigest(
  domain: Domain,
  types: Record<string, TypedFields>,
  primaryType: string,
  message: Record<string, unknown>,
): Hex {
  const params = { domain, types, primaryType, message } as unknown as Parameters<typeof hashTypedData>[0];
  return hashTypedData(params);
}

// ---------------------------------------------------------------------------------------------------------------
// SwarmRegistry invites
// ---------------------------------------------------------------------------------------------------------------

/** EIP-712 domain name / version of SwarmRegistry. */
export const SWARM_REGISTRY_EIP712 = { name: "Concord SwarmRegistry", version: "1" } as const;

/** `Invite(uint256 swarmId,address invitee,uint32 maxUses,uint48 expiry,bytes32 salt)` */
export const INVITE_TYPES = {
  Invite: [
    { name: "swarmId", type: "uint256" },
    { name: "invitee", type: "address" },
    { name: "maxUses", type: "uint32" },
    { name: "expiry", type: "uint48" },
    { name: "salt", type: "bytes32" },
  ],
} as const;

/** ISwarmRegistry.Invite as viem encodes it (uint32/uint48 are numbers). */
export interface Invite {
  swarmId: bigint;
  invitee: Address;
  maxUses: number;
  expiry: number;
  salt: Hex;
}

/** The SwarmRegistry domain without a chain read (when the address and chain id are known). */
export function swarmRegistryDomain(chainId: number, verifyingContract: Address): Domain {
  return { ...SWARM_REGISTRY_EIP712, chainId, verifyingContract };
}

/** Signs an invite; returns it with its EIP-712 digest (= `hashInvite(invite)`) and the signature. */
export async function signInvite(
  wallet: WalletClient,
  domain: Domain,
  invite: Invite,
): Promise<{ invite: Invite; hash: Hex; signature: Hex }> {
  const message = { ...invite };
  const signature = await signTyped(wallet, domain, INVITE_TYPES, "Invite", message);
  const hash = typedDigest(domain, INVITE_TYPES, "Invite", message);
  return { invite, hash, signature };
}
