/**
 * TaskBoard relayed actions: a member signs `ClaimTask`, `RenewLease` or `CompleteTask`; anyone submits it
 * with `claimBySig`, `renewBySig` or `completeBySig`. `nonce` is the claimant's `nonces(claimant)` on the
 * TaskBoard (one counter for the three kinds, consumed in order); `deadline` is the last valid unix second.
 */
import type { Address, Hex } from "viem";
import { assertDomainOf, type Domain } from "./domain.ts";
import { signTypedMessage, typedDigest, type Signed, type TypedDataSigner } from "./signer.ts";

/** `ClaimTask(uint256 taskId,address claimant,uint256 nonce,uint256 deadline)` */
export const CLAIM_TASK_TYPES = {
  ClaimTask: [
    { name: "taskId", type: "uint256" },
    { name: "claimant", type: "address" },
    { name: "nonce", type: "uint256" },
    { name: "deadline", type: "uint256" },
  ],
} as const;

/** `RenewLease(uint256 taskId,uint64 epoch,address claimant,uint256 nonce,uint256 deadline)` */
export const RENEW_LEASE_TYPES = {
  RenewLease: [
    { name: "taskId", type: "uint256" },
    { name: "epoch", type: "uint64" },
    { name: "claimant", type: "address" },
    { name: "nonce", type: "uint256" },
    { name: "deadline", type: "uint256" },
  ],
} as const;

/** `CompleteTask(uint256 taskId,uint64 epoch,address claimant,string resultURI,bytes32 resultHash,uint256 nonce,uint256 deadline)` */
export const COMPLETE_TASK_TYPES = {
  CompleteTask: [
    { name: "taskId", type: "uint256" },
    { name: "epoch", type: "uint64" },
    { name: "claimant", type: "address" },
    { name: "resultURI", type: "string" },
    { name: "resultHash", type: "bytes32" },
    { name: "nonce", type: "uint256" },
    { name: "deadline", type: "uint256" },
  ],
} as const;

export type ClaimTask = { taskId: bigint; claimant: Address; nonce: bigint; deadline: bigint };
export type RenewLease = { taskId: bigint; epoch: bigint; claimant: Address; nonce: bigint; deadline: bigint };
export type CompleteTask = {
  taskId: bigint;
  epoch: bigint;
  claimant: Address;
  resultURI: string;
  resultHash: Hex;
  nonce: bigint;
  deadline: bigint;
};

/** = TaskBoard `hashClaim(taskId, claimant, nonce, deadline)` */
export function hashClaimTask(domain: Domain, message: ClaimTask): Hex {
  assertDomainOf("TaskBoard", domain);
  return typedDigest(domain, CLAIM_TASK_TYPES, "ClaimTask", message);
}

/** = TaskBoard `hashRenew(taskId, epoch, claimant, nonce, deadline)` */
export function hashRenewLease(domain: Domain, message: RenewLease): Hex {
  assertDomainOf("TaskBoard", domain);
  return typedDigest(domain, RENEW_LEASE_TYPES, "RenewLease", message);
}

/** = TaskBoard `hashComplete(taskId, epoch, claimant, resultURI, resultHash, nonce, deadline)` */
export function hashCompleteTask(domain: Domain, message: CompleteTask): Hex {
  assertDomainOf("TaskBoard", domain);
  return typedDigest(domain, COMPLETE_TASK_TYPES, "CompleteTask", message);
}

/** Signs a claim for `claimBySig(taskId, claimant, nonce, deadline, signature)`. */
export async function signClaimTask(signer: TypedDataSigner, domain: Domain, message: ClaimTask): Promise<Signed<ClaimTask>> {
  assertDomainOf("TaskBoard", domain);
  return signTypedMessage(signer, domain, CLAIM_TASK_TYPES, "ClaimTask", message);
}

/** Signs a lease renewal for `renewBySig(taskId, epoch, claimant, nonce, deadline, signature)`. */
export async function signRenewLease(signer: TypedDataSigner, domain: Domain, message: RenewLease): Promise<Signed<RenewLease>> {
  assertDomainOf("TaskBoard", domain);
  return signTypedMessage(signer, domain, RENEW_LEASE_TYPES, "RenewLease", message);
}

/** Signs a completion for `completeBySig(taskId, epoch, claimant, resultURI, resultHash, nonce, deadline, signature)`. */
export async function signCompleteTask(signer: TypedDataSigner, domain: Domain, message: CompleteTask): Promise<Signed<CompleteTask>> {
  assertDomainOf("TaskBoard", domain);
  return signTypedMessage(signer, domain, COMPLETE_TASK_TYPES, "CompleteTask", message);
}
