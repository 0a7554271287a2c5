/**
 * Proposals → proposals (configuration, running tallies, recorded status), votes (one row per voter and
 * proposal: direct, relayed-signed or commit-reveal) and proposal_events (every event).
 *
 * Semantics mirrored from contracts/interfaces/IProposals.sol:
 * - tallies grow with VoteCast, VotesCast (one event per relayed batch) and VoteRevealed; ProposalFinalized
 *   carries the final tallies, which replace the running ones (they are equal unless an event was missed);
 * - the clock-derived states (pending / active / revealing / ended) are not stored: `status` stays `open`
 *   until finalize, cancel or execute; the REST API derives `state` from the block time like `state()`;
 * - ETH held for an action goes to zero on execute, cancel and refund.
 */
import { type Context, ponder } from "ponder:registry";
import { proposalEvent as proposalEvents, proposal as proposals, vote as votes } from "ponder:schema";
import { type Hex, hexToBytes, zeroAddress } from "viem";
import { type EventLike, historyCursor, lower, updatedCursor } from "./lib/chain.ts";
import { OUTCOMES, SKIP_REASONS, THRESHOLD_KINDS, VOTING_MODES, WEIGHTINGS, enumName } from "./lib/consensus.ts";
import type { EventType } from "./lib/eventBody.ts";
import { type FeedEventLike, recordEvent } from "./lib/feed.ts";

async function recordProposalEvent(
  context: Context,
  event: FeedEventLike,
  row: { proposalId: bigint; swarmId: bigint; kind: string; account: Hex | null; data?: Record<string, unknown> },
) {
  await context.db.insert(proposalEvents).values({
    id: event.id,
    proposalId: row.proposalId,
    swarmId: row.swarmId,
    kind: row.kind,
    account: row.account === null ? null : lower(row.account),
    data: row.data ?? {},
    ...historyCursor(event, context.chain.id),
  });
  const proposal = await context.db.find(proposals, { id: row.proposalId });
  const data = row.data ?? {};
  const voters = Array.isArray(data.voters) ? (data.voters as string[]) : [];
  const names: Record<string, unknown> = {};
  if (row.kind === "finalized") names.outcome = data.outcome;
  if (row.kind === "vote_skipped") names.reason = data.reason;
  await recordEvent(context, event, {
    type: `proposal.${row.kind}` as EventType,
    swarmId: row.swarmId,
    members: [row.account, ...voters, proposal?.proposer],
    data: names,
  });
}

/** The proposal row (every vote event follows its ProposalCreated). */
async function requireProposal(context: Context, proposalId: bigint) {
  const row = await context.db.find(proposals, { id: proposalId });
  if (row === null) throw new Error(`Proposals: event for unknown proposal ${proposalId}`);
  return row;
}

/** Adds counted ballots to the proposal's tallies. */
async function addToTallies(
  context: Context,
  event: EventLike,
  proposalId: bigint,
  ballots: { option: number; weight: bigint }[],
  counts: { votes?: number; commits?: number; skipped?: number } = {},
) {
  await context.db.update(proposals, { id: proposalId }).set((row) => {
    const tallies = row.tallies.map((t) => BigInt(t));
    let totalCast = row.totalCast;
    for (const { option, weight } of ballots) {
      tallies[option] = (tallies[option] ?? 0n) + weight;
      totalCast += weight;
    }
    return {
      tallies: tallies.map((t) => t.toString()),
      totalCast,
      voteCount: row.voteCount + (counts.votes ?? ballots.length),
      commitCount: row.commitCount + (counts.commits ?? 0),
      skippedCount: row.skippedCount + (counts.skipped ?? 0),
      ...updatedCursor(event),
    };
  });
}

ponder.on("Proposals:ProposalCreated", async ({ event, context }) => {
  const { proposalId, swarmId, proposer, config, descriptionURI, descriptionHash, action } = event.args;
  await context.db.insert(proposals).values({
    id: proposalId,
    swarmId,
    proposer: lower(proposer),
    descriptionUri: descriptionURI,
    descriptionHash,
    optionCount: Number(config.optionCount),
    voteStart: BigInt(config.voteStart),
    voteEnd: BigInt(config.voteEnd),
    revealEnd: BigInt(config.revealEnd),
    votingMode: enumName(VOTING_MODES, config.votingMode),
    weighting: enumName(WEIGHTINGS, config.weighting),
    quorumBps: Number(config.quorumBps),
    thresholdKind: enumName(THRESHOLD_KINDS, config.thresholdKind),
    thresholdBps: Number(config.thresholdBps),
    excludeFlagged: config.excludeFlagged,
    denominator: config.denominator,
    actionHash: config.actionHash,
    actionTarget: action.target === zeroAddress ? null : lower(action.target),
    actionValue: action.value,
    actionData: lower(action.data),
    heldValue: config.value,
    status: "open",
    tallies: Array.from({ length: Number(config.optionCount) }, () => "0"),
    totalCast: 0n,
    voteCount: 0,
    commitCount: 0,
    skippedCount: 0,
    outcome: null,
    winningOption: null,
    createdAt: event.block.timestamp,
    createdBlock: event.block.number,
    createdTxHash: event.transaction.hash,
    ...updatedCursor(event),
  });
  await recordProposalEvent(context, event, {
    proposalId,
    swarmId,
    kind: "created",
    account: proposer,
    data: {
      descriptionUri: descriptionURI,
      descriptionHash,
      optionCount: Number(config.optionCount),
      actionTarget: lower(action.target),
      actionValue: action.value.toString(),
      actionHash: config.actionHash,
    },
  });
});

ponder.on("Proposals:VoteCast", async ({ event, context }) => {
  const { proposalId, voter, option, weight } = event.args;
  const p = await requireProposal(context, proposalId);
  await context.db.insert(votes).values({
    proposalId,
    voter: lower(voter),
    swarmId: p.swarmId,
    method: "direct",
    status: "counted",
    option: Number(option),
    weight,
    countedAt: event.block.timestamp,
    ...updatedCursor(event),
  });
  await countVote(context, event, p.swarmId, proposalId, voter, Number(option), weight, "vote_cast");
});

ponder.on("Proposals:VotesCast", async ({ event, context }) => {
  const { proposalId, voters, options, weights } = event.args;
  const p = await requireProposal(context, proposalId);
  const relayer = lower(event.transaction.from);
  // options: one byte per counted ballot; weights: empty for a Head-weighted proposal (every weight is 1)
  const optionBytes = hexToBytes(options);
  const ballots = voters.map((voter, i) => ({ voter, option: optionBytes[i] ?? 0, weight: weights.length === 0 ? 1n : (weights[i] ?? 0n) }));
  for (const { voter, option, weight } of ballots) {
    await context.db.insert(votes).values({
      proposalId,
      voter: lower(voter),
      swarmId: p.swarmId,
      method: "signed",
      status: "counted",
      option,
      weight,
      relayer,
      countedAt: event.block.timestamp,
      ...updatedCursor(event),
    });
  }
  await addToTallies(context, event, proposalId, ballots);
  await recordProposalEvent(context, event, {
    proposalId,
    swarmId: p.swarmId,
    kind: "votes_cast",
    account: null,
    data: {
      relayer,
      voters: voters.map((v) => lower(v)),
      options: ballots.map((b) => b.option),
      weights: ballots.map((b) => b.weight.toString()),
    },
  });
});

ponder.on("Proposals:VoteSkipped", async ({ event, context }) => {
  const { proposalId, voter, reason } = event.args;
  const p = await requireProposal(context, proposalId);
  await addToTallies(context, event, proposalId, [], { votes: 0, skipped: 1 });
  await recordProposalEvent(context, event, {
    proposalId,
    swarmId: p.swarmId,
    kind: "vote_skipped",
    account: voter,
    data: { reason: enumName(SKIP_REASONS, reason) },
  });
});

ponder.on("Proposals:VoteCommitted", async ({ event, context }) => {
  const { proposalId, voter, commitment } = event.args;
  const p = await requireProposal(context, proposalId);
  await context.db.insert(votes).values({
    proposalId,
    voter: lower(voter),
    swarmId: p.swarmId,
    method: "commit_reveal",
    status: "committed",
    option: null,
    weight: null,
    commitment,
    committedAt: event.block.timestamp,
    ...updatedCursor(event),
  });
  await addToTallies(context, event, proposalId, [], { votes: 0, commits: 1 });
  await recordProposalEvent(context, event, {
    proposalId,
    swarmId: p.swarmId,
    kind: "vote_committed",
    account: voter,
    data: { commitment },
  });
});

ponder.on("Proposals:VoteRevealed", async ({ event, context }) => {
  const { proposalId, voter, option, weight } = event.args;
  const p = await requireProposal(context, proposalId);
  await context.db.update(votes, { proposalId, voter: lower(voter) }).set({
    status: "counted",
    option: Number(option),
    weight,
    countedAt: event.block.timestamp,
    ...updatedCursor(event),
  });
  await countVote(context, event, p.swarmId, proposalId, voter, Number(option), weight, "vote_revealed");
});

ponder.on("Proposals:ProposalFinalized", async ({ event, context }) => {
  const { proposalId, outcome, winningOption, tallies, totalCast, denominator } = event.args;
  const name = enumName(OUTCOMES, outcome);
  const p = await context.db.update(proposals, { id: proposalId }).set({
    status: name,
    outcome: name,
    winningOption: Number(winningOption),
    tallies: tallies.map((t) => t.toString()),
    totalCast,
    finalizedAt: event.block.timestamp,
    ...updatedCursor(event),
  });
  await recordProposalEvent(context, event, {
    proposalId,
    swarmId: p.swarmId,
    kind: "finalized",
    account: null,
    data: {
      outcome: name,
      winningOption: Number(winningOption),
      tallies: tallies.map((t) => t.toString()),
      totalCast: totalCast.toString(),
      denominator: denominator.toString(),
    },
  });
});

ponder.on("Proposals:ProposalExecuted", async ({ event, context }) => {
  const { proposalId, executor, target, value, returnData } = event.args;
  const p = await context.db.update(proposals, { id: proposalId }).set({
    status: "executed",
    heldValue: 0n,
    executedAt: event.block.timestamp,
    executedBy: lower(executor),
    ...updatedCursor(event),
  });
  await recordProposalEvent(context, event, {
    proposalId,
    swarmId: p.swarmId,
    kind: "executed",
    account: executor,
    data: { target: lower(target), value: value.toString(), returnData: lower(returnData) },
  });
});

ponder.on("Proposals:ProposalCancelled", async ({ event, context }) => {
  const { proposalId, proposer, refunded } = event.args;
  const p = await context.db.update(proposals, { id: proposalId }).set({
    status: "cancelled",
    heldValue: 0n,
    cancelledAt: event.block.timestamp,
    ...updatedCursor(event),
  });
  await recordProposalEvent(context, event, {
    proposalId,
    swarmId: p.swarmId,
    kind: "cancelled",
    account: proposer,
    data: { refunded: refunded.toString() },
  });
});

ponder.on("Proposals:ProposalRefunded", async ({ event, context }) => {
  const { proposalId, proposer, value } = event.args;
  const p = await context.db.update(proposals, { id: proposalId }).set({
    heldValue: 0n,
    refundedAt: event.block.timestamp,
    ...updatedCursor(event),
  });
  await recordProposalEvent(context, event, {
    proposalId,
    swarmId: p.swarmId,
    kind: "refunded",
    account: proposer,
    data: { value: value.toString() },
  });
});

/** A counted single vote (cast directly or revealed): adds it to the tallies and records the history event. */
async function countVote(
  context: Parameters<typeof addToTallies>[0],
  event: Parameters<typeof addToTallies>[1] & Parameters<typeof recordProposalEvent>[1],
  swarmId: bigint,
  proposalId: bigint,
  voter: `0x${string}`,
  option: number,
  weight: bigint,
  kind: "vote_cast" | "vote_revealed",
): Promise<void> {
  await addToTallies(context, event, proposalId, [{ option, weight }]);
  await recordProposalEvent(context, event, { proposalId, swarmId, kind, account: voter, data: { option, weight: weight.toString() } });
}
