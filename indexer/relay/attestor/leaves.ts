/**
 * Attestation leaves and trees, exactly as IAttestations defines them (contracts/interfaces/IAttestations.sol):
 *
 *   leaf = keccak256(bytes.concat(keccak256(abi.encode(<values>))))
 *   fire:     (uint8 1, uint256 scheduleId, uint48 scheduledTime, uint32 runNumber, uint48 firedAt, bytes32 deliveryId)
 *   delivery: (uint8 2, bytes32 deliveryId, uint256 subscriptionId, bytes32 bodyHash, uint16 statusCode,
 *              uint32 attempt, uint48 deliveredAt)
 *   deliveryId = keccak256(bytes(webhookId)) (bytes32(0) for a fire without a webhook)
 *
 * That is OpenZeppelin's StandardMerkleTree leaf hash; a batch mixes two leaf encodings, which one
 * StandardMerkleTree cannot hold, so the tree is the library's SimpleMerkleTree over these leaf hashes: the same
 * construction (leaves sorted, inner node = keccak256 of the sorted pair), verified on-chain by
 * MerkleProof.verifyCalldata in Attestations.verify. For a one-kind batch the root equals
 * StandardMerkleTree.of(values, encoding).root (checked in test/relay/attestor.test.ts).
 */
import { SimpleMerkleTree } from "@openzeppelin/merkle-tree";
import { encodeAbiParameters, keccak256, stringToBytes, type Hex } from "viem";

export const LEAF_FIRE = 1;
export const LEAF_DELIVERY = 2;
export const ZERO_BYTES32 = `0x${"0".repeat(64)}` as Hex;

/** A fire's leaf values (IAttestations.Fire). */
export type FireValues = {
  scheduleId: bigint;
  scheduledTime: number;
  runNumber: number;
  firedAt: number;
  deliveryId: Hex;
};

/** A delivery's leaf values (IAttestations.Delivery). */
export type DeliveryValues = {
  deliveryId: Hex;
  subscriptionId: bigint;
  bodyHash: Hex;
  statusCode: number;
  attempt: number;
  deliveredAt: number;
};

export type Leaf =
  | { kind: "fire"; key: string; values: FireValues }
  | { kind: "delivery"; key: string; values: DeliveryValues };

/** The abi types of each kind, in leaf order (StandardMerkleTree leaf encodings). */
export const FIRE_ENCODING = ["uint8", "uint256", "uint48", "uint32", "uint48", "bytes32"] as const;
export const DELIVERY_ENCODING = ["uint8", "bytes32", "uint256", "bytes32", "uint16", "uint32", "uint48"] as const;

/** A leaf or batch the attestor cannot build (`code`: invalid_leaf | empty_batch | duplicate_leaf). */
export class AttestationError extends Error {
  readonly code: string;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: string, message: string, details?: Record<string, unknown>) {
    super(message);
    this.name = "AttestationError";
    this.code = code;
    this.details = details;
  }
}

const UINT48_MAX = 2 ** 48 - 1;
const UINT32_MAX = 2 ** 32 - 1;

function check(condition: boolean, what: string, value: unknown): void {
  if (!condition) throw new AttestationError("invalid_leaf", `Cannot attest ${what} = ${String(value)}: out of the leaf type's range`, { what, value: String(value) });
}

/** keccak256(bytes(webhookId)): the bytes32 id of a Standard Webhooks `webhook-id` in a leaf. */
export function webhookIdHash(webhookId: string): Hex {
  return keccak256(stringToBytes(webhookId));
}

/** The fire's abi values, in leaf order. */
export function fireTuple(v: FireValues): readonly [number, bigint, number, number, number, Hex] {
  check(v.scheduleId >= 0n && v.scheduleId < 2n ** 256n, "scheduleId", v.scheduleId);
  check(Number.isInteger(v.scheduledTime) && v.scheduledTime >= 0 && v.scheduledTime <= UINT48_MAX, "scheduledTime", v.scheduledTime);
  check(Number.isInteger(v.runNumber) && v.runNumber >= 0 && v.runNumber <= UINT32_MAX, "runNumber", v.runNumber);
  check(Number.isInteger(v.firedAt) && v.firedAt >= 0 && v.firedAt <= UINT48_MAX, "firedAt", v.firedAt);
  return [LEAF_FIRE, v.scheduleId, v.scheduledTime, v.runNumber, v.firedAt, v.deliveryId];
}

/** The delivery's abi values, in leaf order. */
export function deliveryTuple(v: DeliveryValues): readonly [number, Hex, bigint, Hex, number, number, number] {
  check(v.subscriptionId >= 0n && v.subscriptionId < 2n ** 256n, "subscriptionId", v.subscriptionId);
  check(Number.isInteger(v.statusCode) && v.statusCode >= 0 && v.statusCode <= 65_535, "statusCode", v.statusCode);
  check(Number.isInteger(v.attempt) && v.attempt >= 0 && v.attempt <= UINT32_MAX, "attempt", v.attempt);
  check(Number.isInteger(v.deliveredAt) && v.deliveredAt >= 0 && v.deliveredAt <= UINT48_MAX, "deliveredAt", v.deliveredAt);
  return [LEAF_DELIVERY, v.deliveryId, v.subscriptionId, v.bodyHash, v.statusCode, v.attempt, v.deliveredAt];
}

const params = (types: readonly string[]) => types.map((type) => ({ type }));

/** The double-hashed leaf (= Attestations.fireLeaf / deliveryLeaf). */
export function leafHash(leaf: Leaf): Hex {
  const encoded =
    leaf.kind === "fire"
      ? encodeAbiParameters(params(FIRE_ENCODING), fireTuple(leaf.values) as unknown as unknown[])
      : encodeAbiParameters(params(DELIVERY_ENCODING), deliveryTuple(leaf.values) as unknown as unknown[]);
  return keccak256(keccak256(encoded));
}

/** Leaf values as JSON (numbers and bigints as decimal strings), as stored and served by the proofs route. */
export function valuesToJson(leaf: Leaf): Record<string, string> {
  return Object.fromEntries(Object.entries(leaf.values).map(([k, v]) => [k, String(v)]));
}

/** Inverse of valuesToJson. */
export function leafFromJson(kind: "fire" | "delivery", key: string, json: Record<string, string>): Leaf {
  if (kind === "fire") {
    return {
      kind,
      key,
      values: {
        scheduleId: BigInt(json.scheduleId!),
        scheduledTime: Number(json.scheduledTime),
        runNumber: Number(json.runNumber),
        firedAt: Number(json.firedAt),
        deliveryId: json.deliveryId as Hex,
      },
    };
  }
  return {
    kind,
    key,
    values: {
      deliveryId: json.deliveryId as Hex,
      subscriptionId: BigInt(json.subscriptionId!),
      bodyHash: json.bodyHash as Hex,
      statusCode: Number(json.statusCode),
      attempt: Number(json.attempt),
      deliveredAt: Number(json.deliveredAt),
    },
  };
}

export type BuiltTree = {
  root: Hex;
  /** The library's dump (format simple-v1): tree nodes + leaf hashes with their tree indexes. */
  dump: ReturnType<SimpleMerkleTree["dump"]>;
  /** Per input leaf (same order): its hash and proof. */
  leaves: { leaf: Leaf; hash: Hex; proof: Hex[] }[];
};

/** Builds the batch's tree (sorted leaves, OpenZeppelin convention) and every leaf's proof. */
export function buildTree(leaves: Leaf[]): BuiltTree {
  if (leaves.length === 0) throw new AttestationError("empty_batch", "A batch needs at least one leaf");
  const hashes = leaves.map(leafHash);
  if (new Set(hashes).size !== hashes.length) throw new AttestationError("duplicate_leaf", "A batch holds the same leaf twice");
  const tree = SimpleMerkleTree.of(hashes);
  return {
    root: tree.root as Hex,
    dump: tree.dump(),
    leaves: leaves.map((leaf, i) => ({ leaf, hash: hashes[i]!, proof: tree.getProof(i) as Hex[] })),
  };
}

/** Checks a proof off-chain (same rule as MerkleProof.verify). */
export function verifyProof(root: Hex, leaf: Hex, proof: Hex[]): boolean {
  return SimpleMerkleTree.verify(root, leaf, proof);
}

/** keccak256(abi.encode(prevHead, root, uint64 seq)): the contract's running head after batch `seq`. */
export function nextChainedHead(prevHead: Hex, root: Hex, seq: bigint): Hex {
  return keccak256(encodeAbiParameters([{ type: "bytes32" }, { type: "bytes32" }, { type: "uint64" }], [prevHead, root, seq]));
}
