/**
 * LeaderElection ballots (vote mode): a member signs `ElectionBallot(swarmId, term, candidate, voter)` under the
 * "Concord LeaderElection" domain; anyone collects a quorum of them (see BallotAggregator) and submits them
 * with `elect` (see submitElection). A signed ballot carries its domain, so whoever receives it (another
 * agent, an aggregator) can tell which chain and contract it was signed for.
 *
 *   const domain = await readDomain(publicClient, addresses.LeaderElection);
 *   const ballot = await signElectionBallot(agent, domain, { swarmId, term, candidate, voter: agent.address });
 */
import { decodeAbiParameters, encodeAbiParameters, getAddress, type Address, type Hex } from "viem";
import { assertDomainOf, type Domain } from "./domain.ts";
import { signTypedMessage, typedDigest, type Signed, type TypedDataSigner } from "./signer.ts";

/** `ElectionBallot(uint256 swarmId,uint64 term,address candidate,address voter)` */
export const ELECTION_BALLOT_TYPES = {
  ElectionBallot: [
    { name: "swarmId", type: "uint256" },
    { name: "term", type: "uint64" },
    { name: "candidate", type: "address" },
    { name: "voter", type: "address" },
  ],
} as const;

/** What a voter signs: "in `swarmId`, `candidate` should lead for `term`". `voter` is the signer (or its smart account). */
export type ElectionBallot = { swarmId: bigint; term: bigint; candidate: Address; voter: Address };

/** A signed election ballot, with the domain it was signed under. */
export type SignedElectionBallot = Signed<ElectionBallot> & { kind: "election"; domain: Domain };

const ELECTION_BALLOT_ABI = [{ type: "uint256" }, { type: "uint64" }, { type: "address" }, { type: "address" }] as const;

/** = LeaderElection `hashBallot(swarmId, term, candidate, voter)` */
export function hashElectionBallot(domain: Domain, message: ElectionBallot): Hex {
  assertDomainOf("LeaderElection", domain);
  return typedDigest(domain, ELECTION_BALLOT_TYPES, "ElectionBallot", message);
}

/** Signs a ballot for `elect`. Smart-account voters: `voter` is the account, `signer` the key it accepts. */
export async function signElectionBallot(signer: TypedDataSigner, domain: Domain, message: ElectionBallot): Promise<SignedElectionBallot> {
  assertDomainOf("LeaderElection", domain);
  const normalized = { ...message, candidate: getAddress(message.candidate), voter: getAddress(message.voter) };
  const signed = await signTypedMessage(signer, domain, ELECTION_BALLOT_TYPES, "ElectionBallot", normalized);
  return { kind: "election", domain, ...signed };
}

/** `abi.encode(ElectionBallot)`: a ballot as equivocation evidence (`IBallotSource.checkEquivocation`) takes it. */
export function encodeElectionBallot(message: ElectionBallot): Hex {
  return encodeAbiParameters(ELECTION_BALLOT_ABI, [message.swarmId, message.term, message.candidate, message.voter]);
}

/** The inverse of encodeElectionBallot. */
export function decodeElectionBallot(encoded: Hex): ElectionBallot {
  const [swarmId, term, candidate, voter] = decodeAbiParameters(ELECTION_BALLOT_ABI, encoded);
  return { swarmId, term, candidate, voter };
}
