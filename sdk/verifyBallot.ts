/**
 * Off-chain ballot verification, by the rules the contracts apply (BallotSignatures.sol): an ECDSA signature of
 * 65 bytes (r, s, v with v 27/28) or 64 bytes (EIP-2098 compact), low s only, must recover to the voter;
 * otherwise the voter, if it is a contract, is asked with EIP-1271 `isValidSignature` (needs a client).
 *
 *   const result = await verifyBallot(ballot, { client: publicClient, domain: await readDomain(publicClient, election) });
 *   if (!result.valid) console.log(result.reason);   // wrong_chain | wrong_contract | bad_signature | ...
 */
import {
  encodeFunctionData,
  getAddress,
  hexToBigInt,
  isAddressEqual,
  numberToHex,
  recoverAddress,
  size,
  slice,
  type Address,
  type Client,
  type Hex,
} from "viem";
import { call, getCode } from "viem/actions";
import { CONCORD_DOMAINS, type Domain } from "./domain.ts";
import type { BallotRejection } from "./errors.ts";
import { hashElectionBallot, type SignedElectionBallot } from "./electionBallots.ts";
import { hashProposalBallot, type SignedProposalBallot } from "./proposalBallots.ts";

/** An election or a proposal ballot, signed. */
export type SignedBallot = SignedElectionBallot | SignedProposalBallot;

/** secp256k1 order / 2: the contracts (like OpenZeppelin's ECDSA) reject a larger s (EIP-2). */
const HALF_ORDER = 0x7fffffffffffffffffffffffffffffff5d576e7357a4501ddfe92f46681b20a0n;
const S_MASK = (1n << 255n) - 1n;
const ERC1271_MAGIC = "0x1626ba7e";
const ERC1271_ABI = [
  {
    type: "function",
    name: "isValidSignature",
    stateMutability: "view",
    inputs: [
      { name: "hash", type: "bytes32" },
      { name: "signature", type: "bytes" },
    ],
    outputs: [{ name: "", type: "bytes4" }],
  },
] as const;

/** An ECDSA signature split into its parts. */
export type EcdsaParts = { r: Hex; s: Hex; yParity: 0 | 1 };

/**
 * The parts of a 65-byte (v 27/28) or 64-byte (EIP-2098) ECDSA signature, or undefined if the contracts would
 * not take it as ECDSA (other length, other v, high s) — it may still be an EIP-1271 signature.
 */
export function parseEcdsaSignature(signature: Hex): EcdsaParts | undefined {
  const length = size(signature);
  let s: bigint;
  let yParity: 0 | 1;
  if (length === 65) {
    const v = Number(hexToBigInt(slice(signature, 64, 65)));
    if (v !== 27 && v !== 28) return undefined;
    yParity = v === 28 ? 1 : 0;
    s = hexToBigInt(slice(signature, 32, 64));
  } else if (length === 64) {
    const vs = hexToBigInt(slice(signature, 32, 64));
    yParity = vs >> 255n === 1n ? 1 : 0;
    s = vs & S_MASK;
  } else {
    return undefined;
  }
  if (s > HALF_ORDER) return undefined;
  return { r: slice(signature, 0, 32), s: numberToHex(s, { size: 32 }), yParity };
}

/** The 65-byte form (r, s, v) of an ECDSA signature (64- or 65-byte); other signatures are returned as they are. */
export function toFullSignature(signature: Hex): Hex {
  const parts = parseEcdsaSignature(signature);
  if (parts === undefined) return signature;
  return `${parts.r}${parts.s.slice(2)}${parts.yParity === 1 ? "1c" : "1b"}` as Hex;
}

/** The 64-byte EIP-2098 form of an ECDSA signature (64- or 65-byte); other signatures are returned as they are. */
export function toCompactSignature(signature: Hex): Hex {
  const parts = parseEcdsaSignature(signature);
  if (parts === undefined) return signature;
  const vs = hexToBigInt(parts.s) | (BigInt(parts.yParity) << 255n);
  return `${parts.r}${numberToHex(vs, { size: 32 }).slice(2)}` as Hex;
}

/** The address an ECDSA signature of `digest` recovers to, or undefined (see parseEcdsaSignature). */
export async function recoverBallotSigner(digest: Hex, signature: Hex): Promise<Address | undefined> {
  const parts = parseEcdsaSignature(signature);
  if (parts === undefined) return undefined;
  try {
    return await recoverAddress({ hash: digest, signature: parts });
  } catch {
    return undefined;
  }
}

/** Asks `account` (EIP-1271) whether it accepts `signature` for `digest`: false for accounts without code. */
export async function isValidErc1271Signature(client: Client, account: Address, digest: Hex, signature: Hex): Promise<boolean> {
  const code = await getCode(client, { address: account });
  if (code === undefined || code === "0x") return false;
  try {
    const { data } = await call(client, { to: account, data: encodeFunctionData({ abi: ERC1271_ABI, functionName: "isValidSignature", args: [digest, signature] }) });
    // OpenZeppelin's SignatureChecker: the first returned word must be the selector, left-aligned
    if (data === undefined || size(data) < 32) return false;
    return slice(data, 0, 32).toLowerCase() === `${ERC1271_MAGIC}${"0".repeat(56)}`;
  } catch {
    return false;
  }
}

export type VerifyBallotOptions = {
  /** Needed for smart-account (EIP-1271) voters; without it only ECDSA signatures can be valid. */
  client?: Client;
  /** The domain the ballot must have been signed under (the contract's, e.g. from readDomain). */
  domain?: Domain;
};

export type BallotVerification =
  | { valid: true; digest: Hex; voter: Address; method: "ecdsa" | "eip1271" }
  | { valid: false; digest: Hex; voter: Address; reason: Extract<BallotRejection, "wrong_chain" | "wrong_contract" | "wrong_domain" | "bad_signature">; recovered?: Address };

/** Where `actual` differs from `expected` (chain first, then contract, then name/version), or undefined. */
export function domainMismatch(actual: Domain, expected: Domain): "wrong_chain" | "wrong_contract" | "wrong_domain" | undefined {
  if (expected.chainId !== undefined && Number(actual.chainId) !== Number(expected.chainId)) return "wrong_chain";
  if (
    expected.verifyingContract !== undefined &&
    (actual.verifyingContract === undefined || !isAddressEqual(actual.verifyingContract, expected.verifyingContract))
  ) {
    return "wrong_contract";
  }
  if (actual.name !== expected.name || actual.version !== expected.version) return "wrong_domain";
  return undefined;
}

/** The EIP-712 digest of a signed ballot under `domain` (default: the one it carries). */
export function ballotDigest(ballot: SignedBallot, domain: Domain = ballot.domain): Hex {
  return ballot.kind === "election" ? hashElectionBallot(domain, ballot.message) : hashProposalBallot(domain, ballot.message);
}

/**
 * Checks that `ballot` was signed by its voter under the expected domain. Never throws for a bad ballot: the
 * answer says why it is not valid. The digest is recomputed (the ballot's own `digest` field is not trusted).
 */
export async function verifyBallot(ballot: SignedBallot, options: VerifyBallotOptions = {}): Promise<BallotVerification> {
  const voter = getAddress(ballot.message.voter);
  const expectedName = ballot.kind === "election" ? CONCORD_DOMAINS.LeaderElection : CONCORD_DOMAINS.Proposals;
  const expected: Domain = options.domain ?? { ...expectedName };
  const mismatch = domainMismatch(ballot.domain, expected);
  let digest: Hex;
  try {
    digest = ballotDigest(ballot, mismatch === undefined ? (options.domain ?? ballot.domain) : ballot.domain);
  } catch {
    // the ballot's domain is not its kind's domain at all (e.g. a proposal ballot under an election domain)
    return { valid: false, digest: "0x", voter, reason: mismatch ?? "wrong_domain" };
  }
  if (mismatch !== undefined) return { valid: false, digest, voter, reason: mismatch };
  const recovered = await recoverBallotSigner(digest, ballot.signature);
  if (recovered !== undefined && isAddressEqual(recovered, voter)) return { valid: true, digest, voter, method: "ecdsa" };
  if (options.client !== undefined && (await isValidErc1271Signature(options.client, voter, digest, ballot.signature))) {
    return { valid: true, digest, voter, method: "eip1271" };
  }
  return { valid: false, digest, voter, reason: "bad_signature", ...(recovered === undefined ? {} : { recovered }) };
}
