/**
 * LockManager → locks (current state per (swarm, lock name)) and lock_events (every acquisition, renewal and
 * release, with the fencing token).
 *
 * Semantics mirrored from contracts/interfaces/ILockManager.sol:
 * - each acquisition issues the lock's next token (1, 2, ...); tokens are never reused;
 * - expiry is implicit (no event): the next LockAcquired names the expired lease in
 *   previousHolder / previousToken (both zero when the lock was free: never held or released);
 * - a release clears holder and lease but keeps the token.
 */
import { ponder } from "ponder:registry";
import { lockEvent as lockEvents, lock as locks } from "ponder:schema";
import { zeroAddress } from "viem";
import { historyCursor, lower, updatedCursor } from "./lib/chain.ts";
import { recordEvent } from "./lib/feed.ts";

ponder.on("LockManager:LockAcquired", async ({ event, context }) => {
  const { swarmId, lockName, holder, token, expiresAt, previousHolder, previousToken } = event.args;
  const tookOverExpired = previousHolder !== zeroAddress;
  const current = {
    status: "held",
    holder: lower(holder),
    lastHolder: lower(holder),
    token: BigInt(token),
    expiresAt: BigInt(expiresAt),
    acquiredAt: event.block.timestamp,
    releasedAt: null,
    ...updatedCursor(event),
  };
  await context.db
    .insert(locks)
    .values({
      swarmId,
      lockName,
      ...current,
      acquireCount: 1,
      renewCount: 0,
      expiredCount: tookOverExpired ? 1 : 0,
      createdBlock: event.block.number,
      createdAt: event.block.timestamp,
    })
    .onConflictDoUpdate((row) => ({
      ...current,
      acquireCount: row.acquireCount + 1,
      expiredCount: row.expiredCount + (tookOverExpired ? 1 : 0),
    }));
  await context.db.insert(lockEvents).values({
    id: event.id,
    swarmId,
    lockName,
    kind: "acquired",
    holder: lower(holder),
    token: BigInt(token),
    expiresAt: BigInt(expiresAt),
    previousHolder: tookOverExpired ? lower(previousHolder) : null,
    previousToken: tookOverExpired ? BigInt(previousToken) : null,
    tookOverExpired,
    ...historyCursor(event, context.chain.id),
  });
  await recordEvent(context, event, {
    type: "lock.acquired",
    swarmId,
    members: [holder, previousHolder],
    fencingToken: { kind: "lock_token", value: token },
    data: { tookOverExpired },
  });
});

ponder.on("LockManager:LockRenewed", async ({ event, context }) => {
  const { swarmId, lockName, holder, token, expiresAt } = event.args;
  await context.db.update(locks, { swarmId, lockName }).set((row) => ({
    status: "held",
    holder: lower(holder),
    expiresAt: BigInt(expiresAt),
    renewCount: row.renewCount + 1,
    ...updatedCursor(event),
  }));
  await context.db.insert(lockEvents).values({
    id: event.id,
    swarmId,
    lockName,
    kind: "renewed",
    holder: lower(holder),
    token: BigInt(token),
    expiresAt: BigInt(expiresAt),
    previousHolder: null,
    previousToken: null,
    tookOverExpired: false,
    ...historyCursor(event, context.chain.id),
  });
  await recordEvent(context, event, {
    type: "lock.renewed",
    swarmId,
    members: [holder],
    fencingToken: { kind: "lock_token", value: token },
  });
});

ponder.on("LockManager:LockReleased", async ({ event, context }) => {
  const { swarmId, lockName, holder, token } = event.args;
  await context.db.update(locks, { swarmId, lockName }).set({
    status: "released",
    holder: null,
    expiresAt: null,
    releasedAt: event.block.timestamp,
    ...updatedCursor(event),
  });
  await context.db.insert(lockEvents).values({
    id: event.id,
    swarmId,
    lockName,
    kind: "released",
    holder: lower(holder),
    token: BigInt(token),
    expiresAt: null,
    previousHolder: null,
    previousToken: null,
    tookOverExpired: false,
    ...historyCursor(event, context.chain.id),
  });
  await recordEvent(context, event, {
    type: "lock.released",
    swarmId,
    members: [holder],
    fencingToken: { kind: "lock_token", value: token },
  });
});
