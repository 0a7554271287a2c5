/**
 * MessageBus relayed messages: a member signs `Broadcast` or `DirectMessage`; anyone submits it with
 * `broadcastBySig` or `sendBySig`. `nonce` is the sender's `nonces(sender)` on the MessageBus (one counter
 * for both kinds, consumed in order).
 */
import type { Address, Hex } from "viem";
import { assertDomainOf, type Domain } from "./domain.ts";
import { signTypedMessage, typedDigest, type Signed, type TypedDataSigner } from "./signer.ts";

/** `Broadcast(uint256 swarmId,bytes32 topic,bytes payload,address sender,uint256 nonce,uint256 deadline)` */
export const BROADCAST_TYPES = {
  Broadcast: [
    { name: "swarmId", type: "uint256" },
    { name: "topic", type: "bytes32" },
    { name: "payload", type: "bytes" },
    { name: "sender", type: "address" },
    { name: "nonce", type: "uint256" },
    { name: "deadline", type: "uint256" },
  ],
} as const;

/** `DirectMessage(uint256 swarmId,address to,bytes32 topic,bytes payload,address sender,uint256 nonce,uint256 deadline)` */
export const DIRECT_MESSAGE_TYPES = {
  DirectMessage: [
    { name: "swarmId", type: "uint256" },
    { name: "to", type: "address" },
    { name: "topic", type: "bytes32" },
    { name: "payload", type: "bytes" },
    { name: "sender", type: "address" },
    { name: "nonce", type: "uint256" },
    { name: "deadline", type: "uint256" },
  ],
} as const;

export type Broadcast = { swarmId: bigint; topic: Hex; payload: Hex; sender: Address; nonce: bigint; deadline: bigint };
export type DirectMessage = { swarmId: bigint; to: Address; topic: Hex; payload: Hex; sender: Address; nonce: bigint; deadline: bigint };

export function hashBroadcast(domain: Domain, message: Broadcast): Hex {
  assertDomainOf("MessageBus", domain);
  return typedDigest(domain, BROADCAST_TYPES, "Broadcast", message);
}

export function hashDirectMessage(domain: Domain, message: DirectMessage): Hex {
  assertDomainOf("MessageBus", domain);
  return typedDigest(domain, DIRECT_MESSAGE_TYPES, "DirectMessage", message);
}

/** Signs a broadcast for `broadcastBySig(swarmId, topic, payload, sender, nonce, deadline, signature)`. */
export async function signBroadcast(signer: TypedDataSigner, domain: Domain, message: Broadcast): Promise<Signed<Broadcast>> {
  assertDomainOf("MessageBus", domain);
  return signTypedMessage(signer, domain, BROADCAST_TYPES, "Broadcast", message);
}

/** Signs a direct message for `sendBySig(swarmId, to, topic, payload, sender, nonce, deadline, signature)`. */
export async function signDirectMessage(signer: TypedDataSigner, domain: Domain, message: DirectMessage): Promise<Signed<DirectMessage>> {
  assertDomainOf("MessageBus", domain);
  return signTypedMessage(signer, domain, DIRECT_MESSAGE_TYPES, "DirectMessage", message);
}
