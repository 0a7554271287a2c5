/**
 * Staking → staking_configs (per swarm: stake token, withdrawal delay, slash parameters, total weight),
 * stakes (per swarm and member: active, pending withdrawal, unlock time, flag), slashings (every slash) and
 * ballot_sources (the trusted LeaderElection / Proposals contracts).
 *
 * Semantics mirrored from contracts/interfaces/IStaking.sol: the events carry the member's new active and
 * pending stake and the swarm's new total, which are stored as given (never recomputed).
 */
import { type Context, ponder } from "ponder:registry";
import { ballotSource as ballotSources, slashing as slashings, stake as stakes, stakingConfig as stakingConfigs } from "ponder:schema";
import { type Hex, zeroAddress } from "viem";
import { type EventLike, historyCursor, lower, updatedCursor, updatedCursorShort } from "./lib/chain.ts";
import { recordEvent } from "./lib/feed.ts";

/** IStaking defaults (Staking.DEFAULT_WITHDRAWAL_DELAY, DEFAULT_SLASH_BPS, DEFAULT_REWARD_BPS). */
const DEFAULT_WITHDRAWAL_DELAY = 7n * 24n * 3600n;
const DEFAULT_SLASH_BPS = 5_000;
const DEFAULT_REWARD_BPS = 1_000;

/** Upserts the swarm's staking row with `changes` (a new row starts from the contract's defaults). */
async function updateConfig(
  context: Context,
  event: EventLike,
  swarmId: bigint,
  changes: (row: typeof stakingConfigs.$inferSelect | undefined) => Partial<typeof stakingConfigs.$inferInsert>,
) {
  const existing = await context.db.find(stakingConfigs, { swarmId });
  const base = existing ?? {
    swarmId,
    token: zeroAddress as Hex,
    tokenFixed: false,
    withdrawalDelay: DEFAULT_WITHDRAWAL_DELAY,
    slashBps: DEFAULT_SLASH_BPS,
    rewardBps: DEFAULT_REWARD_BPS,
    totalStake: 0n,
    slashedTotal: 0n,
  };
  const row = { ...base, ...changes(existing ?? undefined), ...updatedCursorShort(event) };
  if (existing === null) {
    await context.db.insert(stakingConfigs).values(row);
  } else {
    const { swarmId: _key, ...values } = row;
    await context.db.update(stakingConfigs, { swarmId }).set(values);
  }
}

/** Upserts a member's stake row with `changes` (a new row starts empty). */
async function updateStake(
  context: Context,
  event: EventLike,
  swarmId: bigint,
  member: Hex,
  changes: (row: typeof stakes.$inferSelect) => Partial<typeof stakes.$inferInsert>,
) {
  const key = { swarmId, member: lower(member) };
  const existing = await context.db.find(stakes, key);
  const base = existing ?? {
    ...key,
    active: 0n,
    pending: 0n,
    unlockAt: null,
    flagged: false,
    stakedTotal: 0n,
    withdrawnTotal: 0n,
    slashedTotal: 0n,
    ...updatedCursor(event),
  };
  const row = { ...base, ...changes(base), ...updatedCursor(event) };
  if (existing === null) {
    await context.db.insert(stakes).values(row);
  } else {
    const { swarmId: _swarmId, member: _member, ...values } = row;
    await context.db.update(stakes, key).set(values);
  }
}

ponder.on("Staking:StakeTokenSet", async ({ event, context }) => {
  const { swarmId, token, by } = event.args;
  await updateConfig(context, event, swarmId, () => ({ token: lower(token), tokenFixed: true }));
  await recordEvent(context, event, { type: "stake.token_set", swarmId, members: [by] });
});

ponder.on("Staking:WithdrawalDelaySet", async ({ event, context }) => {
  const { swarmId, delay, by } = event.args;
  await updateConfig(context, event, swarmId, () => ({ withdrawalDelay: BigInt(delay) }));
  await recordEvent(context, event, { type: "stake.withdrawal_delay_set", swarmId, members: [by] });
});

ponder.on("Staking:SlashParamsSet", async ({ event, context }) => {
  const { swarmId, slashBps, rewardBps, by } = event.args;
  await updateConfig(context, event, swarmId, () => ({ slashBps: Number(slashBps), rewardBps: Number(rewardBps) }));
  await recordEvent(context, event, { type: "stake.slash_params_set", swarmId, members: [by] });
});

ponder.on("Staking:BallotSourceSet", async ({ event, context }) => {
  const { source, trusted } = event.args;
  const row = { trusted, ...updatedCursorShort(event) };
  await context.db
    .insert(ballotSources)
    .values({ source: lower(source), ...row })
    .onConflictDoUpdate(row);
  await recordEvent(context, event, { type: "stake.ballot_source_set", swarmId: null, members: [] });
});

ponder.on("Staking:Staked", async ({ event, context }) => {
  const { swarmId, member, token, amount, activeStake, totalStake } = event.args;
  await updateStake(context, event, swarmId, member, (row) => ({
    active: activeStake,
    stakedTotal: row.stakedTotal + amount,
  }));
  // StakeTokenSet precedes the first stake (same transaction), so the token is already fixed here.
  await updateConfig(context, event, swarmId, () => ({ token: lower(token), tokenFixed: true, totalStake }));
  await recordEvent(context, event, { type: "stake.staked", swarmId, members: [member] });
});

ponder.on("Staking:WithdrawalRequested", async ({ event, context }) => {
  const { swarmId, member, activeStake, pendingWithdrawal, unlockAt, totalStake } = event.args;
  await updateStake(context, event, swarmId, member, () => ({
    active: activeStake,
    pending: pendingWithdrawal,
    unlockAt: BigInt(unlockAt),
  }));
  await updateConfig(context, event, swarmId, () => ({ totalStake }));
  await recordEvent(context, event, { type: "stake.withdrawal_requested", swarmId, members: [member] });
});

ponder.on("Staking:WithdrawalCancelled", async ({ event, context }) => {
  const { swarmId, member, activeStake, totalStake } = event.args;
  await updateStake(context, event, swarmId, member, () => ({ active: activeStake, pending: 0n, unlockAt: null }));
  await updateConfig(context, event, swarmId, () => ({ totalStake }));
  await recordEvent(context, event, { type: "stake.withdrawal_cancelled", swarmId, members: [member] });
});

ponder.on("Staking:Withdrawn", async ({ event, context }) => {
  const { swarmId, member, amount } = event.args;
  await updateStake(context, event, swarmId, member, (row) => ({
    pending: 0n,
    unlockAt: null,
    withdrawnTotal: row.withdrawnTotal + amount,
  }));
  await recordEvent(context, event, { type: "stake.withdrawn", swarmId, members: [member] });
});

ponder.on("Staking:MemberSlashed", async ({ event, context }) => {
  const a = event.args;
  await updateStake(context, event, a.swarmId, a.member, (row) => ({
    active: a.activeStake,
    pending: a.pendingWithdrawal,
    // Staking clears the unlock time when the slash took all pending stake.
    unlockAt: a.pendingWithdrawal === 0n ? null : row.unlockAt,
    flagged: true,
    slashedTotal: row.slashedTotal + a.amount,
  }));
  await updateConfig(context, event, a.swarmId, (row) => ({
    totalStake: a.totalStake,
    slashedTotal: (row?.slashedTotal ?? 0n) + a.amount,
  }));
  await context.db.insert(slashings).values({
    id: event.id,
    swarmId: a.swarmId,
    member: lower(a.member),
    reporter: lower(a.reporter),
    amount: a.amount,
    reward: a.reward,
    burned: a.amount - a.reward,
    conflictKey: a.conflictKey,
    source: lower(a.source),
    activeStake: a.activeStake,
    pendingWithdrawal: a.pendingWithdrawal,
    totalStake: a.totalStake,
    ...historyCursor(event, context.chain.id),
  });
  await recordEvent(context, event, { type: "stake.slashed", swarmId: a.swarmId, members: [a.member, a.reporter] });
});
