/**
 * Proposals ballots (open voting): a member signs `ProposalBallot(proposalId, option, voter)` under the
 * "Concord Proposals" domain; anyone relays many of them at once with `castVotesBySig` (see submitBallots).
 *
 *   const domain = await readDomain(publicClient, addresses.Proposals);
 *   const ballot = await signProposalBallot(agent, domain, { proposalId, option: 0, voter: agent.address });
 */
import { decodeAbiParameters, encodeAbiParameters, getAddress, type Address, type Hex } from "viem";
import { assertDomainOf, type Domain } from "./domain.ts";
import { signTypedMessage, typedDigest, type Signed, type TypedDataSigner } from "./signer.ts";

/** `ProposalBallot(uint256 proposalId,uint8 option,address voter)` */
export const PROPOSAL_BALLOT_TYPES = {
  ProposalBallot: [
    { name: "proposalId", type: "uint256" },
    { name: "option", type: "uint8" },
    { name: "voter", type: "address" },
  ],
} as const;

/** What a voter signs: "on `proposalId` I choose `option`" (0..optionCount-1; option 0 approves the action). */
export type ProposalBallot = { proposalId: bigint; option: number; voter: Address };

/** A signed proposal ballot, with the domain it was signed under. */
export type SignedProposalBallot = Signed<ProposalBallot> & { kind: "proposal"; domain: Domain };

const PROPOSAL_BALLOT_ABI = [{ type: "uint256" }, { type: "uint8" }, { type: "address" }] as const;

/** = Proposals `hashBallot(proposalId, option, voter)` */
export function hashProposalBallot(domain: Domain, message: ProposalBallot): Hex {
  assertDomainOf("Proposals", domain);
  return typedDigest(domain, PROPOSAL_BALLOT_TYPES, "ProposalBallot", message);
}

/** Signs a ballot for `castVotesBySig`. Smart-account voters: `voter` is the account, `signer` the key it accepts. */
export async function signProposalBallot(signer: TypedDataSigner, domain: Domain, message: ProposalBallot): Promise<SignedProposalBallot> {
  assertDomainOf("Proposals", domain);
  const normalized = { ...message, voter: getAddress(message.voter) };
  const signed = await signTypedMessage(signer, domain, PROPOSAL_BALLOT_TYPES, "ProposalBallot", normalized);
  return { kind: "proposal", domain, ...signed };
}

/** `abi.encode(ProposalBallot)`, for equivocation evidence. */
export function encodeProposalBallot(message: ProposalBallot): Hex {
  return encodeAbiParameters(PROPOSAL_BALLOT_ABI, [message.proposalId, message.option, message.voter]);
}

/** The inverse of encodeProposalBallot. */
export function decodeProposalBallot(encoded: Hex): ProposalBallot {
  const [proposalId, option, voter] = decodeAbiParameters(PROPOSAL_BALLOT_ABI, encoded);
  return { proposalId, option, voter };
}
