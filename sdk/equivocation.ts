/**
 * Equivocation: a member signed two conflicting ballots on one subject (two candidates in one election term,
 * two options on one proposal). The two signed ballots are the evidence: Staking `slash` asks the ballot
 * source (LeaderElection / Proposals, trusted by Staking) to check them, slashes the voter and rewards the
 * reporter. BallotAggregator collects such pairs as it goes (`aggregator.equivocations`).
 *
 *   const evidence = equivocationEvidence(ballotForCarol, ballotForDave);
 *   const { event } = await reportEquivocation(evidence, { wallet, client: publicClient, staking: addresses.Staking });
 */
import { getAddress, isAddressEqual, parseEventLogs, type Address, type Hex, type TransactionReceipt } from "viem";
import { readContract, simulateContract, waitForTransactionReceipt, writeContract } from "viem/actions";
import { StakingAbi } from "./abis.ts";
import { decodeConcordError } from "./decodeConcordError.ts";
import { encodeElectionBallot } from "./electionBallots.ts";
import { BallotError, ConcordSdkError, TransactionError } from "./errors.ts";
import { encodeProposalBallot } from "./proposalBallots.ts";
import type { SubmitOptions } from "./submitBallots.ts";
import type { SignedBallot } from "./verifyBallot.ts";

/** `IStaking.Evidence`: the ballot source and the two ballots (`abi.encode` of the struct) with their signatures. */
export type EquivocationEvidence = { source: Address; ballotA: Hex; sigA: Hex; ballotB: Hex; sigB: Hex };

/** The subject of a ballot (what a voter may vote on only once) and the vote it casts. */
export function ballotSubject(ballot: SignedBallot): { subject: string; vote: string } {
  const contract = (ballot.domain.verifyingContract ?? "").toLowerCase();
  if (ballot.kind === "election") {
    return { subject: `${ballot.domain.chainId}:${contract}:election:${ballot.message.swarmId}:${ballot.message.term}`, vote: ballot.message.candidate.toLowerCase() };
  }
  return { subject: `${ballot.domain.chainId}:${contract}:proposal:${ballot.message.proposalId}`, vote: String(ballot.message.option) };
}

/**
 * Evidence that one voter signed `a` and `b`, two different votes on the same subject. Throws BallotError
 * (`not_equivocation`) when they are not: different voters, subjects or contracts, or the same vote. The
 * signatures are not checked here (see verifyBallot); the contract checks them.
 */
export function equivocationEvidence(a: SignedBallot, b: SignedBallot): EquivocationEvidence {
  const sa = ballotSubject(a);
  const sb = ballotSubject(b);
  if (a.kind !== b.kind || sa.subject !== sb.subject || !isAddressEqual(a.message.voter, b.message.voter) || sa.vote === sb.vote) {
    throw new BallotError("ballot_mismatch", "not_equivocation", "The two ballots are not conflicting votes of one voter on one subject", {
      a: sa,
      b: sb,
      voters: [a.message.voter, b.message.voter],
    });
  }
  const encode = (ballot: SignedBallot) => (ballot.kind === "election" ? encodeElectionBallot(ballot.message) : encodeProposalBallot(ballot.message));
  return { source: getAddress(a.domain.verifyingContract!), ballotA: encode(a), sigA: a.signature, ballotB: encode(b), sigB: b.signature };
}

export type MemberSlashedEvent = {
  swarmId: bigint;
  member: Address;
  reporter: Address;
  amount: bigint;
  reward: bigint;
  conflictKey: Hex;
  source: Address;
  activeStake: bigint;
  pendingWithdrawal: bigint;
  totalStake: bigint;
};

/** Asks the ballot source whether `evidence` proves equivocation: `{ swarmId, signer, conflictKey }`, or throws TransactionError. */
export async function checkEquivocation(evidence: EquivocationEvidence, options: Pick<SubmitOptions, "client" | "wallet">): Promise<{ swarmId: bigint; signer: Address; conflictKey: Hex }> {
  const reader = options.client ?? options.wallet;
  try {
    const [swarmId, signer, conflictKey] = (await readContract(reader, {
      address: evidence.source,
      abi: [
        {
          type: "function",
          name: "checkEquivocation",
          stateMutability: "view",
          inputs: [{ type: "bytes" }, { type: "bytes" }, { type: "bytes" }, { type: "bytes" }],
          outputs: [{ type: "uint256" }, { type: "address" }, { type: "bytes32" }],
        },
      ] as const,
      functionName: "checkEquivocation",
      args: [evidence.ballotA, evidence.sigA, evidence.ballotB, evidence.sigB],
    })) as readonly [bigint, Address, Hex];
    return { swarmId, signer, conflictKey };
  } catch (error) {
    const revert = decodeConcordError(error);
    throw new TransactionError(`checkEquivocation rejected the evidence${revert ? `: ${revert.name}` : ""}`, revert, {}, { cause: error });
  }
}

/** Sends Staking `slash(evidence)`: the voter is slashed and flagged, the sender rewarded. Returns the MemberSlashed event. */
export async function reportEquivocation(
  evidence: EquivocationEvidence,
  options: SubmitOptions & { staking: Address },
): Promise<{ hash: Hex; receipt: TransactionReceipt; event: MemberSlashedEvent }> {
  const reader = options.client ?? options.wallet;
  const account = options.wallet.account;
  if (account === undefined) throw new ConcordSdkError("signer_invalid", "The wallet client has no account to send the transaction with");
  const params = { address: options.staking, abi: StakingAbi, functionName: "slash", args: [evidence], account, chain: options.wallet.chain ?? null } as const;
  try {
    await simulateContract(reader, params as unknown as Parameters<typeof simulateContract>[1]);
  } catch (error) {
    const revert = decodeConcordError(error);
    throw new TransactionError(`slash would revert${revert ? `: ${revert.name}` : ""}`, revert, { functionName: "slash" }, { cause: error });
  }
  const hash = await writeContract(options.wallet, params as unknown as Parameters<typeof writeContract>[1]);
  const receipt = await waitForTransactionReceipt(reader, { hash });
  if (receipt.status !== "success") throw new TransactionError(`slash reverted in transaction ${hash}`, undefined, { hash });
  const [slashed] = parseEventLogs({ abi: StakingAbi, logs: receipt.logs, eventName: "MemberSlashed" });
  if (slashed === undefined) throw new ConcordSdkError("transaction_reverted", `slash succeeded without a MemberSlashed event (${hash})`, { hash });
  return { hash, receipt, event: slashed.args as MemberSlashedEvent };
}
