/**
 * SharedState relayed writes: a member signs `SetState` or `DeleteState`; anyone submits it with `setBySig`
 * or `delBySig`. There is no nonce: `expectedVersion` is consumed by the write and versions are never reused,
 * so a signature can succeed at most once.
 */
import type { Address, Hex } from "viem";
import { assertDomainOf, type Domain } from "./domain.ts";
import { signTypedMessage, typedDigest, type Signed, type TypedDataSigner } from "./signer.ts";

/** `SetState(uint256 swarmId,bytes32 key,bytes value,uint64 expectedVersion,address writer,uint256 deadline)` */
export const SET_STATE_TYPES = {
  SetState: [
    { name: "swarmId", type: "uint256" },
    { name: "key", type: "bytes32" },
    { name: "value", type: "bytes" },
    { name: "expectedVersion", type: "uint64" },
    { name: "writer", type: "address" },
    { name: "deadline", type: "uint256" },
  ],
} as const;

/** `DeleteState(uint256 swarmId,bytes32 key,uint64 expectedVersion,address writer,uint256 deadline)` */
export const DELETE_STATE_TYPES = {
  DeleteState: [
    { name: "swarmId", type: "uint256" },
    { name: "key", type: "bytes32" },
    { name: "expectedVersion", type: "uint64" },
    { name: "writer", type: "address" },
    { name: "deadline", type: "uint256" },
  ],
} as const;

export type SetState = { swarmId: bigint; key: Hex; value: Hex; expectedVersion: bigint; writer: Address; deadline: bigint };
export type DeleteState = { swarmId: bigint; key: Hex; expectedVersion: bigint; writer: Address; deadline: bigint };

export function hashSetState(domain: Domain, message: SetState): Hex {
  assertDomainOf("SharedState", domain);
  return typedDigest(domain, SET_STATE_TYPES, "SetState", message);
}

export function hashDeleteState(domain: Domain, message: DeleteState): Hex {
  assertDomainOf("SharedState", domain);
  return typedDigest(domain, DELETE_STATE_TYPES, "DeleteState", message);
}

/** Signs a write for `setBySig(swarmId, key, value, expectedVersion, writer, deadline, signature)`. */
export async function signSetState(signer: TypedDataSigner, domain: Domain, message: SetState): Promise<Signed<SetState>> {
  assertDomainOf("SharedState", domain);
  return signTypedMessage(signer, domain, SET_STATE_TYPES, "SetState", message);
}

/** Signs a delete for `delBySig(swarmId, key, expectedVersion, writer, deadline, signature)`. */
export async function signDeleteState(signer: TypedDataSigner, domain: Domain, message: DeleteState): Promise<Signed<DeleteState>> {
  assertDomainOf("SharedState", domain);
  return signTypedMessage(signer, domain, DELETE_STATE_TYPES, "DeleteState", message);
}
