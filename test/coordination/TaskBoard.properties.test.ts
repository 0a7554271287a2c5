/**
 * Property-based test of TaskBoard against a TypeScript reference model.
 *
 * fast-check generates random sequences of post, claim, claimNext, renew, complete, release, expire, cancel,
 * cap changes and time jumps by several members (and a non-member). Every block timestamp is set explicitly, so
 * the model knows the exact time of every call. After each step the outcome (success or custom error name) and
 * the events must match the model; after each run every task and every queue level must equal the model, and
 * of all the (claimant, epoch) pairs ever handed out at most one per task may still act.
 */
import { describe, expect, it } from "vitest";
import { network } from "hardhat";
import fc from "fast-check";
import { getAddress, keccak256, parseEventLogs, toHex, zeroAddress, type Address, type Hex } from "viem";
import { decodeRevert } from "../helpers/errors.ts";
import { deployRegistryWithSwarms } from "../helpers/fixtures.ts";

const { viem, networkHelpers } = await network.create();
const publicClient = await viem.getPublicClient();
const wallets = await viem.getWalletClients();
type Wallet = (typeof wallets)[number];
const actors: Wallet[] = [0, 1, 2, 3, 4].map((i) => {
  const w = wallets[i];
  if (w === undefined) throw new Error(`no wallet ${i}`);
  return w;
});
const OUTSIDER = 4; // actors[4] never joins
const addrOf = (i: number): Address => getAddress((actors[i] as Wallet).account.address);

const ZERO32: Hex = `0x${"00".repeat(32)}`;
const TYPES: Hex[] = [keccak256(toHex("A")), keccak256(toHex("B")), ZERO32]; // index 2 = untyped / any
const PRIORITIES = 4; // the model uses levels 0..3 (the contract allows 0..15)
const MAX_SKIPS = 8;

const Status = { None: 0, Open: 1, Claimed: 2, Completed: 3, Cancelled: 4, Expired: 5 } as const;

async function deployFixture() {
  const registry = await deployRegistryWithSwarms(viem, [{ members: [1, 2, 3].map((i) => actors[i] as Wallet) }]);
  const board = await viem.deployContract("TaskBoard", [registry.address]);
  return { board };
}
type Board = Awaited<ReturnType<typeof deployFixture>>["board"];

// -------------------------------------------------------------------------------------------------------------
// Model
// -------------------------------------------------------------------------------------------------------------

interface MTask {
  poster: number;
  type: number; // 0, 1 or 2 (untyped)
  priority: number;
  ttl: number;
  deadline: number; // 0 = none
  status: number;
  claimant: number; // -1 = none
  epoch: number;
  leaseExpiry: number;
  counted: boolean;
}
interface Model {
  tasks: MTask[]; // index = id - 1
  queues: Record<string, number[]>; // "t|p" for t in 0,1 (typed) and "any|p"
  typesPosted: boolean[];
  cap: number;
  active: number[]; // counted claims per actor
}

class ModelError extends Error {
  constructor(readonly errorName: string, readonly args?: unknown[]) {
    super(errorName);
  }
}

const newModel = (): Model => ({ tasks: [], queues: {}, typesPosted: [false, false, false], cap: 0, active: [0, 0, 0, 0, 0] });
const qkeys = (t: MTask): string[] => (t.type === 2 ? [`any|${t.priority}`] : [`${t.type}|${t.priority}`, `any|${t.priority}`]);
const queue = (m: Model, key: string): number[] => (m.queues[key] ??= []);
function unlink(m: Model, id: number): void {
  for (const k of qkeys(m.tasks[id - 1] as MTask)) {
    const q = queue(m, k);
    const i = q.indexOf(id);
    if (i < 0) throw new Error(`model bug: ${id} not in ${k}`);
    q.splice(i, 1);
  }
}
const pastDeadline = (t: MTask, now: number): boolean => t.deadline !== 0 && now > t.deadline;
const isMember = (actor: number): boolean => actor !== OUTSIDER;

function getTask(m: Model, id: number): MTask {
  const t = m.tasks[id - 1];
  if (t === undefined) throw new ModelError("TaskBoardUnknownTask");
  return t;
}

function claimOpen(m: Model, id: number, by: number, now: number): void {
  const t = m.tasks[id - 1] as MTask;
  let counted = false;
  if (m.cap !== 0) {
    if ((m.active[by] ?? 0) >= m.cap) throw new ModelError("TaskBoardClaimCapReached");
    m.active[by] = (m.active[by] ?? 0) + 1;
    counted = true;
  }
  unlink(m, id);
  t.epoch += 1;
  t.claimant = by;
  t.status = Status.Claimed;
  t.leaseExpiry = now + t.ttl;
  t.counted = counted;
}

function requireClaimant(t: MTask, epoch: number, by: number): void {
  if (t.status !== Status.Claimed) throw new ModelError("TaskBoardNotClaimed");
  if (epoch !== t.epoch) throw new ModelError("TaskBoardStaleEpoch", [BigInt(epoch), BigInt(t.epoch)]);
  if (by !== t.claimant) throw new ModelError("TaskBoardNotClaimant");
}
function requireLive(t: MTask, now: number): void {
  if (now >= t.leaseExpiry) throw new ModelError("TaskBoardLeaseExpired");
}
function endClaim(m: Model, t: MTask): void {
  if (t.counted) {
    m.active[t.claimant] = (m.active[t.claimant] ?? 0) - 1;
    t.counted = false;
  }
  t.claimant = -1;
}
function reopen(m: Model, t: MTask, id: number, now: number): void {
  if (pastDeadline(t, now)) {
    t.status = Status.Expired;
  } else {
    t.status = Status.Open;
    for (const k of qkeys(t)) queue(m, k).unshift(id);
  }
}

// -------------------------------------------------------------------------------------------------------------
// Operations
// -------------------------------------------------------------------------------------------------------------

type Op =
  | { kind: "post"; by: number; type: number; priority: number; ttl: number; deadlineIn: number }
  | { kind: "claim"; by: number; task: number }
  | { kind: "claimNext"; by: number; type: number }
  | { kind: "renew" | "complete" | "release"; by: number; task: number; epochDelta: number; asClaimant: boolean }
  | { kind: "expire"; by: number; task: number; claimedRef?: boolean }
  | { kind: "cancel"; by: number; task: number; asPoster: boolean }
  | { kind: "wait"; dt: number }
  | { kind: "jump"; to: "lease" | "deadline"; task: number; offset: number }
  | { kind: "cap"; cap: number };

const member = fc.integer({ min: 0, max: 3 });
const anyone = fc.oneof({ weight: 9, arbitrary: member }, { weight: 1, arbitrary: fc.constant(OUTSIDER) });
const taskRef = fc.nat({ max: 1000 });
const postArb: fc.Arbitrary<Op> = fc.record({
  kind: fc.constant("post" as const),
  by: anyone,
  type: fc.integer({ min: 0, max: 2 }),
  priority: fc.integer({ min: 0, max: PRIORITIES - 1 }),
  ttl: fc.constantFrom(20, 60, 150),
  deadlineIn: fc.oneof(fc.constant(0), fc.integer({ min: 5, max: 200 })),
});
const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 4, arbitrary: postArb },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant("claim" as const), by: anyone, task: taskRef }) },
  { weight: 5, arbitrary: fc.record({ kind: fc.constant("claimNext" as const), by: anyone, type: fc.integer({ min: 0, max: 2 }) }) },
  {
    weight: 6,
    arbitrary: fc.record({
      kind: fc.constantFrom("renew" as const, "complete" as const, "release" as const),
      by: anyone,
      task: taskRef,
      epochDelta: fc.constantFrom(0, 0, 0, -1, 1),
      asClaimant: fc.constantFrom(true, true, true, false),
    }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("expire" as const), by: anyone, task: taskRef }) },
  // half of the cancels by the poster of an open or expired task (the success path; a random sender and task
  // almost never is one, and a run without a successful cancel failed the coverage check below)
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("cancel" as const), by: anyone, task: taskRef, asPoster: fc.boolean() }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant("wait" as const), dt: fc.integer({ min: 1, max: 120 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("cap" as const), cap: fc.integer({ min: 0, max: 2 }) }) },
  {
    // jump so that the next call lands exactly around a lease expiry or a deadline (boundary seconds)
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant("jump" as const),
      to: fc.constantFrom("lease" as const, "deadline" as const),
      task: taskRef,
      offset: fc.integer({ min: -1, max: 1 }),
    }),
  },
);

/** A claimant acting on its own claim right at the lease boundary (expiry - 1, expiry), or anyone expiring it. */
const edgeArb: fc.Arbitrary<Op[]> = fc
  .record({
    task: taskRef,
    offset: fc.integer({ min: -1, max: 0 }),
    kind: fc.constantFrom("renew" as const, "complete" as const, "release" as const, "expire" as const),
  })
  .map(({ task, offset, kind }): Op[] => [
    { kind: "jump", to: "lease", task, offset },
    kind === "expire" ? { kind, by: 4, task, claimedRef: true } : { kind, by: 0, task, epochDelta: 0, asClaimant: true },
  ]);

interface Ev {
  eventName: string;
  args: Record<string, unknown>;
}

/** Applies `op` to the model at time `now`; returns the events expected (names and key args) or throws ModelError. */
function applyModel(m: Model, op: Op, task: number, epochArg: number, now: number): Ev[] {
  switch (op.kind) {
    case "post": {
      if (!isMember(op.by)) throw new ModelError("TaskBoardNotMember");
      const t: MTask = {
        poster: op.by,
        type: op.type,
        priority: op.priority,
        ttl: op.ttl,
        deadline: op.deadlineIn === 0 ? 0 : now + op.deadlineIn,
        status: Status.Open,
        claimant: -1,
        epoch: 0,
        leaseExpiry: 0,
        counted: false,
      };
      m.tasks.push(t);
      m.typesPosted[op.type] = true;
      const id = m.tasks.length;
      for (const k of qkeys(t)) queue(m, k).push(id);
      return [{ eventName: "TaskPosted", args: { taskId: BigInt(id) } }];
    }
    case "claim": {
      const t = getTask(m, task);
      if (t.status !== Status.Open) throw new ModelError(t.status === Status.Claimed ? "TaskBoardAlreadyClaimed" : "TaskBoardNotOpen");
      if (pastDeadline(t, now)) throw new ModelError("TaskBoardDeadlinePassed");
      if (!isMember(op.by)) throw new ModelError("TaskBoardNotMember");
      claimOpen(m, task, op.by, now);
      return [{ eventName: "TaskClaimed", args: { taskId: BigInt(task), epoch: BigInt(t.epoch) } }];
    }
    case "claimNext": {
      if (!isMember(op.by)) throw new ModelError("TaskBoardNotMember");
      if (op.type !== 2 && !m.typesPosted[op.type]) throw new ModelError("TaskBoardNoOpenTask");
      const prefix = op.type === 2 ? "any" : String(op.type);
      const events: Ev[] = [];
      let skipped = 0;
      for (;;) {
        let p = PRIORITIES - 1;
        while (p >= 0 && queue(m, `${prefix}|${p}`).length === 0) p--;
        if (p < 0) {
          if (skipped === 0) throw new ModelError("TaskBoardNoOpenTask");
          return events;
        }
        const id = queue(m, `${prefix}|${p}`)[0] as number;
        const t = m.tasks[id - 1] as MTask;
        if (pastDeadline(t, now)) {
          if (skipped === MAX_SKIPS) return events;
          unlink(m, id);
          t.status = Status.Expired;
          events.push({ eventName: "TaskExpired", args: { taskId: BigInt(id) } });
          skipped++;
          continue;
        }
        claimOpen(m, id, op.by, now);
        events.push({ eventName: "TaskClaimed", args: { taskId: BigInt(id), epoch: BigInt(t.epoch) } });
        return events;
      }
    }
    case "renew":
    case "complete": {
      const t = getTask(m, task);
      requireClaimant(t, epochArg, op.by);
      requireLive(t, now);
      if (!isMember(op.by)) throw new ModelError("TaskBoardNotMember");
      if (op.kind === "renew") {
        t.leaseExpiry = now + t.ttl;
        return [{ eventName: "TaskLeaseRenewed", args: { taskId: BigInt(task), epoch: BigInt(t.epoch), leaseExpiry: t.leaseExpiry } }];
      }
      t.status = Status.Completed;
      if (t.counted) {
        m.active[op.by] = (m.active[op.by] ?? 0) - 1;
        t.counted = false;
      }
      return [{ eventName: "TaskCompleted", args: { taskId: BigInt(task), epoch: BigInt(t.epoch) } }];
    }
    case "release": {
      const t = getTask(m, task);
      requireClaimant(t, epochArg, op.by);
      endClaim(m, t);
      reopen(m, t, task, now);
      const events: Ev[] = [{ eventName: "TaskReleased", args: { taskId: BigInt(task), epoch: BigInt(t.epoch) } }];
      if ((t.status as number) === Status.Expired) events.push({ eventName: "TaskExpired", args: { taskId: BigInt(task) } });
      return events;
    }
    case "expire": {
      const t = getTask(m, task);
      if (t.status === Status.Claimed) {
        if (now < t.leaseExpiry) throw new ModelError("TaskBoardNotExpired");
        endClaim(m, t);
        reopen(m, t, task, now);
        const events: Ev[] = [{ eventName: "TaskLeaseExpired", args: { taskId: BigInt(task), epoch: BigInt(t.epoch) } }];
        if ((t.status as number) === Status.Expired) events.push({ eventName: "TaskExpired", args: { taskId: BigInt(task) } });
        return events;
      }
      if (t.status === Status.Open) {
        if (!pastDeadline(t, now)) throw new ModelError("TaskBoardNotExpired");
        unlink(m, task);
        t.status = Status.Expired;
        return [{ eventName: "TaskExpired", args: { taskId: BigInt(task) } }];
      }
      throw new ModelError("TaskBoardNotExpired");
    }
    case "cancel": {
      const t = getTask(m, task);
      if (t.poster !== op.by) throw new ModelError("TaskBoardNotPoster");
      if (t.status === Status.Open) unlink(m, task);
      else if (t.status !== Status.Expired) throw new ModelError("TaskBoardNotOpen");
      t.status = Status.Cancelled;
      return [{ eventName: "TaskCancelled", args: { taskId: BigInt(task) } }];
    }
    case "cap": {
      m.cap = op.cap;
      return [{ eventName: "ClaimCapUpdated", args: { cap: op.cap } }];
    }
    case "wait":
    case "jump":
      return [];
  }
}

function sendOp(board: Board, op: Op, task: number, epochArg: number, now: number): Promise<Hex> {
  const account = "by" in op ? (actors[op.by] as Wallet).account : (actors[0] as Wallet).account;
  const id = BigInt(task);
  const epoch = BigInt(epochArg);
  switch (op.kind) {
    case "post":
      return board.write.post(
        [
          {
            swarmId: 1n,
            typeTag: TYPES[op.type] as Hex,
            priority: op.priority,
            leaseTtl: op.ttl,
            deadline: op.deadlineIn === 0 ? 0 : now + op.deadlineIn,
            specURI: "ipfs://spec",
            specHash: ZERO32,
            rewardToken: zeroAddress,
            rewardAmount: 0n,
          },
        ],
        { account },
      );
    case "claim":
      return board.write.claim([id], { account });
    case "claimNext":
      return board.write.claimNext([1n, TYPES[op.type] as Hex], { account });
    case "renew":
      return board.write.renew([id, epoch], { account });
    case "complete":
      return board.write.complete([id, epoch, "ipfs://result", ZERO32], { account });
    case "release":
      return board.write.release([id, epoch], { account });
    case "expire":
      return board.write.expire([id], { account });
    case "cancel":
      return board.write.cancel([id], { account });
    case "cap":
      return board.write.setClaimCap([1n, op.cap], { account });
    case "wait":
    case "jump":
      throw new Error("time jumps send nothing");
  }
}

/** Outcome counts over all runs ("kind:ok" or "kind:ErrorName"), to check the runs are not vacuous. */
const outcomes = new Map<string, number>();

async function runSequence(board: Board, ops: Op[]): Promise<void> {
  const m = newModel();
  let now = Number((await publicClient.getBlock()).timestamp);
  const claimsHanded: Array<{ task: number; by: number; epoch: number }> = [];
  const lastEpoch = new Map<number, number>();

  for (const op of ops) {
    now += 1;
    if (op.kind === "wait") {
      now += op.dt;
      continue;
    }
    if (op.kind === "jump") {
      const candidates = m.tasks.flatMap((t) =>
        op.to === "lease" ? (t.status === Status.Claimed ? [t.leaseExpiry] : []) : t.status === Status.Open && t.deadline !== 0 ? [t.deadline] : [],
      );
      const target = candidates.length === 0 ? 0 : (candidates[op.task % candidates.length] as number) + op.offset;
      if (target - 1 > now) now = target - 1; // the next call happens at now + 1 = target
      continue;
    }
    const count = m.tasks.length;
    // mostly an existing task; sometimes the next, unknown id
    let task = !("task" in op) ? 0 : count === 0 || op.task % 12 === 0 ? count + 1 : (op.task % count) + 1;
    if (("asClaimant" in op && op.asClaimant) || ("claimedRef" in op && op.claimedRef === true)) {
      // a claimed task (same order as a "jump" to leases), acted on by its claimant (possibly with a stale epoch)
      const claimed = m.tasks.flatMap((t, i) => (t.status === Status.Claimed ? [i + 1] : []));
      if (claimed.length > 0 && "task" in op) {
        task = claimed[op.task % claimed.length] as number;
        if ("asClaimant" in op) op.by = (m.tasks[task - 1] as MTask).claimant;
      }
    }
    if (op.kind === "cancel" && op.asPoster) {
      const cancellable = m.tasks.flatMap((t, i) => (t.status === Status.Open || t.status === Status.Expired ? [i + 1] : []));
      if (cancellable.length > 0) {
        task = cancellable[op.task % cancellable.length] as number;
        op.by = (m.tasks[task - 1] as MTask).poster;
      }
    }
    const mt = m.tasks[task - 1];
    const epochArg = "epochDelta" in op ? Math.max(0, (mt?.epoch ?? 0) + op.epochDelta) : 0;

    const snapshot = structuredClone(m);
    let expected: Ev[] | undefined;
    let expectedError: ModelError | undefined;
    try {
      expected = applyModel(m, op, task, epochArg, now);
    } catch (e) {
      if (!(e instanceof ModelError)) throw e;
      expectedError = e;
      Object.assign(m, snapshot);
    }

    await networkHelpers.time.setNextBlockTimestamp(now);
    let hash: Hex | undefined;
    let actualError: string | undefined;
    let actualArgs: readonly unknown[] = [];
    try {
      hash = await sendOp(board, op, task, epochArg, now);
    } catch (e) {
      const decoded = decodeRevert(e);
      if (decoded === undefined) throw e;
      actualError = decoded.errorName;
      actualArgs = decoded.args;
      await networkHelpers.mine(); // consume the timestamp so the model's clock stays exact
    }

    const outcome = `${op.kind}:${actualError ?? "ok"}`;
    outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
    const where = `${JSON.stringify(op)} task=${task} epoch=${epochArg} now=${now}`;
    expect(actualError, where).toBe(expectedError?.errorName);
    if (expectedError?.errorName === "TaskBoardStaleEpoch") {
      expect(actualArgs.slice(1), where).toEqual(expectedError.args);
    }
    if (hash === undefined) continue;

    const receipt = await publicClient.waitForTransactionReceipt({ hash });
    const block = await publicClient.getBlock({ blockNumber: receipt.blockNumber });
    expect(Number(block.timestamp), where).toBe(now);
    const events = parseEventLogs({ abi: board.abi, logs: receipt.logs }).map((l) => ({
      eventName: l.eventName,
      args: l.args as Record<string, unknown>,
    }));
    expect(events.map((e) => e.eventName), where).toEqual((expected ?? []).map((e) => e.eventName));
    events.forEach((e, i) => expect(e.args, where).toMatchObject((expected as Ev[])[i]?.args ?? {}));

    // fencing: every claim's epoch is exactly one more than the task's previous one
    for (const e of events) {
      if (e.eventName !== "TaskClaimed") continue;
      const id = Number(e.args.taskId);
      const epoch = Number(e.args.epoch);
      expect(epoch, where).toBe((lastEpoch.get(id) ?? 0) + 1);
      lastEpoch.set(id, epoch);
      claimsHanded.push({ task: id, by: actors.findIndex((w) => getAddress(w.account.address) === e.args.claimant), epoch });
    }
  }

  // Every task equals the model.
  for (let id = 1; id <= m.tasks.length; id++) {
    const t = m.tasks[id - 1] as MTask;
    const c = await board.read.getTask([BigInt(id)]);
    const where = `task ${id}`;
    expect(c.status, where).toBe(t.status);
    expect(c.epoch, where).toBe(BigInt(t.epoch));
    expect(c.priority, where).toBe(t.priority);
    expect(c.deadline, where).toBe(t.deadline);
    if (t.status === Status.Claimed || t.status === Status.Completed) {
      expect(c.claimant, where).toBe(addrOf(t.claimant));
    } else {
      expect(c.claimant, where).toBe(zeroAddress);
    }
    if (t.status === Status.Claimed) expect(c.leaseExpiry, where).toBe(t.leaseExpiry);
  }
  // Every queue level equals the model, in order.
  for (let type = 0; type < 3; type++) {
    for (let p = 0; p < PRIORITIES; p++) {
      const key = type === 2 ? `any|${p}` : `${type}|${p}`;
      const onChain = await board.read.openTasks([1n, TYPES[type] as Hex, p, 1000n]);
      expect(onChain.map(Number), key).toEqual(m.queues[key] ?? []);
    }
  }
  for (let i = 0; i < actors.length; i++) {
    expect(await board.read.activeClaims([1n, addrOf(i)]), `active ${i}`).toBe(m.active[i] ?? 0);
  }
  // Of all claims ever handed out, at most one per task can still act (renew), and only the current epoch.
  const live = new Map<number, number>();
  for (const c of claimsHanded) {
    let ok = true;
    try {
      await board.simulate.renew([BigInt(c.task), BigInt(c.epoch)], { account: (actors[c.by] as Wallet).account.address });
    } catch {
      ok = false;
    }
    if (!ok) continue;
    expect(live.has(c.task), `two live claims on task ${c.task}`).toBe(false);
    live.set(c.task, c.epoch);
    expect(c.epoch).toBe(m.tasks[c.task - 1]?.epoch);
  }
}

describe("TaskBoard: model-based properties", () => {
  it("random claim/claimNext/renew/expire/complete/release/cancel sequences match the reference model", async () => {
    const started = Date.now();
    await fc.assert(
      fc.asyncProperty(
        fc.array(postArb, { minLength: 3, maxLength: 8 }),
        fc.array(fc.oneof({ weight: 6, arbitrary: opArb.map((o) => [o]) }, { weight: 1, arbitrary: edgeArb }), { minLength: 20, maxLength: 40 }),
        async (posts, ops) => {
          const { board } = await networkHelpers.loadFixture(deployFixture);
          await runSequence(board, [...posts.map((p) => ({ ...p })), ...ops.flat().map((o) => ({ ...o }))]);
        },
      ),
      { numRuns: 30, endOnFailure: true },
    );
    console.log(`model-based runs took ${Date.now() - started} ms; outcomes:`, Object.fromEntries(outcomes));
    // the runs exercised every success path, not only reverts
    for (const k of ["post", "claim", "claimNext", "renew", "complete", "release", "expire", "cancel"]) {
      expect(outcomes.get(`${k}:ok`) ?? 0, k).toBeGreaterThan(0);
    }
  });

  it("claimNext under heavy deadline expiry: skips at most MAX_EXPIRED_SKIPS and matches the model", async () => {
    const post: fc.Arbitrary<Op> = fc.record({
      kind: fc.constant("post" as const),
      by: member,
      type: fc.integer({ min: 0, max: 2 }),
      priority: fc.integer({ min: 0, max: 1 }),
      ttl: fc.constant(60),
      deadlineIn: fc.oneof({ weight: 4, arbitrary: fc.integer({ min: 5, max: 30 }) }, { weight: 1, arbitrary: fc.constant(0) }),
    });
    const next: fc.Arbitrary<Op> = fc.record({ kind: fc.constant("claimNext" as const), by: member, type: fc.integer({ min: 0, max: 2 }) });
    await fc.assert(
      fc.asyncProperty(
        fc.array(post, { minLength: 12, maxLength: 24 }),
        fc.array(fc.oneof(next, fc.record({ kind: fc.constant("wait" as const), dt: fc.integer({ min: 1, max: 40 }) })), {
          minLength: 3,
          maxLength: 10,
        }),
        async (posts, rest) => {
          const { board } = await networkHelpers.loadFixture(deployFixture);
          await runSequence(board, [...posts, { kind: "wait", dt: 31 }, { kind: "claimNext", by: 1, type: 2 }, ...rest]);
        },
      ),
      { numRuns: 10, endOnFailure: true },
    );
  });
});
