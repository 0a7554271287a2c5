/**
 * SwarmRegistry invites: an admin signs an `Invite`; the invitee (or anyone, when `invitee` is zero) joins
 * with `joinWithInvite(swarmId, invite, signer, signature, metadataURI)`.
 */
import { toHex, type Address, type Hex } from "viem";
import { assertDomainOf, type Domain } from "./domain.ts";
import { signTypedMessage, typedDigest, type Signed, type TypedDataSigner } from "./signer.ts";

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

/** ISwarmRegistry.Invite as viem encodes it (uint32 / uint48 are numbers). */
export type Invite = {
  swarmId: bigint;
  /** zero address: anyone holding the signature may use it */
  invitee: Address;
  maxUses: number;
  /** unix seconds; the invite works while block.timestamp <= expiry */
  expiry: number;
  salt: Hex;
};

/** A random salt, so two otherwise identical invites have different hashes. */
export function randomSalt(): Hex {
  return toHex(crypto.getRandomValues(new Uint8Array(32)));
}

/** The invite's EIP-712 digest (= SwarmRegistry `hashInvite(invite)`, the key of revocation and use counts). */
export function hashInvite(domain: Domain, invite: Invite): Hex {
  assertDomainOf("SwarmRegistry", domain);
  return typedDigest(domain, INVITE_TYPES, "Invite", invite);
}

/** Signs an invite as a swarm admin (`domain`: the SwarmRegistry's). */
export async function signInvite(admin: TypedDataSigner, domain: Domain, invite: Invite): Promise<Signed<Invite>> {
  assertDomainOf("SwarmRegistry", domain);
  return signTypedMessage(admin, domain, INVITE_TYPES, "Invite", invite);
}
