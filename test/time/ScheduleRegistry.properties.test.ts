/**
 * ScheduleRegistry property test (fast-check): random schedules (period, start, maxRuns, end, catch-up policy)
 * and random keeper attempts at random times (plus pause / resume) against a TypeScript model of `execute`.
 * The chain must agree with the model on every attempt (success, or the exact custom error), and independently
 * of the model no occurrence ever executes twice or before it is due.
 */
import { beforeAll, describe, expect, it } from "vitest";
import fc from "fast-check";
import { parseEventLogs } from "viem";
import { decodeRevert } from "../helpers/errors.ts";
import { type ExecutedArgs, UNLIMITED, deploy } from "./ScheduleRegistry.fixture.ts";

type Model = {
  start: number;
  period: number;
  end: number;
  maxRuns: number;
  policy: number;
  next: number;
  paused: boolean;
};

type Step =
  | { kind: "exec"; dt: number; pick: "suggest" | "next" | "behind" | "last" | "random"; k: number; snap: number }
  | { kind: "toggle"; dt: number };

/** What the contract must answer to execute(k) at time t: "ok" or the custom error's name. */
function predict(m: Model, k: number, t: number): string {
  if (m.paused) return "ScheduleRegistryPaused";
  if (k < m.next) return "ScheduleRegistryAlreadyExecuted";
  const cap = m.maxRuns === 0 ? UNLIMITED : m.maxRuns;
  if (k >= cap) return "ScheduleRegistryBeyondMaxRuns";
  const at = m.start + k * m.period;
  if (m.end !== 0 && at > m.end) return "ScheduleRegistryPastEnd";
  if (t < at) return "ScheduleRegistryNotDue";
  if (m.policy === 1) return k === m.next ? "ok" : "ScheduleRegistryOutOfOrder";
  if (k !== latestDue(m, t)) return "ScheduleRegistryNotLatest";
  if (m.policy === 2 && t >= at + m.period) return "ScheduleRegistryExpired";
  return "ok";
}

function latestDue(m: Model, t: number): number {
  const horizon = m.end !== 0 && m.end < t ? m.end : t;
  const cap = m.maxRuns === 0 ? UNLIMITED : m.maxRuns;
  return Math.min(Math.floor((horizon - m.start) / m.period), cap - 1);
}

/** The last occurrence of a bounded series (maxRuns or end time), if bounded. */
function lastOccurrence(m: Model): number | undefined {
  if (m.maxRuns === 0 && m.end === 0) return undefined;
  return latestDue(m, Number.MAX_SAFE_INTEGER);
}

/** The occurrence the model would run at t, if any (mirrors the contract's `executable`). */
function suggest(m: Model, t: number): number | undefined {
  if (t < m.start) return undefined;
  const k = m.policy === 1 ? m.next : latestDue(m, t);
  return predict(m, k, t) === "ok" ? k : undefined;
}

const stepArb: fc.Arbitrary<Step> = fc.oneof(
  {
    weight: 9,
    arbitrary: fc.record({
      kind: fc.constant("exec" as const),
      dt: fc.integer({ min: 1, max: 400 }),
      pick: fc.constantFrom("suggest" as const, "suggest" as const, "next" as const, "behind" as const, "last" as const, "random" as const),
      k: fc.integer({ min: 0, max: 15 }),
      // 0: at the previous time + dt; 1..4: exactly at a boundary of the chosen occurrence (when still ahead)
      snap: fc.integer({ min: 0, max: 4 }),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("toggle" as const), dt: fc.integer({ min: 1, max: 400 }) }) },
);

const scheduleArb = fc.record({
  period: fc.integer({ min: 1, max: 200 }),
  startOffset: fc.integer({ min: 1, max: 300 }),
  maxRuns: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 8 })),
  endSpan: fc.oneof(fc.constant(-1), fc.integer({ min: 0, max: 1200 })),
  policy: fc.integer({ min: 0, max: 2 }),
  steps: fc.array(stepArb, { minLength: 1, maxLength: 14 }),
});

describe("ScheduleRegistry: execute never runs an occurrence twice or early (model-based)", () => {
  let f: Awaited<ReturnType<typeof deploy>>;
  beforeAll(async () => {
    f = await deploy();
  });

  it("agrees with the model on every attempt", async () => {
    let attempts = 0;
    let successes = 0;
    const errors = new Map<string, number>();
    await fc.assert(
      fc.asyncProperty(scheduleArb, async (s) => {
        const { sched, networkHelpers, publicClient, keeper, owner, params, register, at } = f;
        await networkHelpers.mine(); // consumes any timestamp left pending by a reverted attempt
        const now = Number((await publicClient.getBlock()).timestamp);
        const start = now + s.startOffset;
        const end = s.endSpan < 0 ? 0 : start + s.endSpan;
        const { id } = await register(await params({ period: s.period, startTime: start, endTime: end, maxRuns: s.maxRuns, catchUp: s.policy }));
        const m: Model = { start, period: s.period, end, maxRuns: s.maxRuns, policy: s.policy, next: 0, paused: false };
        const executed = new Set<number>();
        let t = now + 1;
        for (const step of s.steps) {
          if (step.kind === "toggle") {
            t += step.dt;
            await at(t);
            await sched.write[m.paused ? "resume" : "pause"]([id], { account: owner.account });
            m.paused = !m.paused;
            continue;
          }
          const k =
            step.pick === "suggest"
              ? (suggest(m, t + step.dt) ?? step.k)
              : step.pick === "next"
                ? m.next
                : step.pick === "behind"
                  ? Math.max(0, m.next - 1)
                  : step.pick === "last"
                    ? lastOccurrence(m) ?? step.k
                    : step.k;
          // Boundaries of k: one second early, exactly due, the last second of its period, one period late.
          const due = start + k * s.period;
          const boundary = [0, due - 1, due, due + s.period - 1, due + s.period][step.snap]!;
          t = step.snap !== 0 && boundary > t ? boundary : t + step.dt;
          await at(t);
          // The keeper's view, evaluated in the pending block (at t), names the occurrence the model would run.
          const view = await sched.read.executable([id], { blockTag: "pending" });
          const hint = m.paused ? undefined : suggest(m, t);
          expect(view, `executable() at start+${t - start} with ${JSON.stringify(m)}`).toEqual(
            hint === undefined ? [false, 0, 0] : [true, hint, start + hint * s.period],
          );
          const expected = predict(m, k, t);
          attempts++;
          let outcome: string;
          try {
            const hash = await sched.write.execute([id, k], { account: keeper.account });
            const receipt = await publicClient.waitForTransactionReceipt({ hash });
            const block = await publicClient.getBlock({ blockNumber: receipt.blockNumber });
            const logs = parseEventLogs({ abi: sched.abi, logs: receipt.logs, eventName: "ScheduleExecuted" });
            expect(logs).toHaveLength(1);
            const ev = logs[0]!.args as ExecutedArgs;
            // Independent of the model: never twice, never early.
            expect(executed.has(ev.occurrence), `occurrence ${ev.occurrence} executed twice`).toBe(false);
            executed.add(ev.occurrence);
            expect(ev.occurrence).toBe(k);
            expect(ev.scheduledAt).toBe(start + k * s.period);
            expect(BigInt(ev.scheduledAt)).toBeLessThanOrEqual(block.timestamp);
            expect(Number(block.timestamp)).toBe(t);
            expect(ev.skipped).toBe(k - m.next);
            outcome = "ok";
          } catch (error) {
            const decoded = decodeRevert(error);
            if (decoded === undefined) throw error;
            outcome = decoded.errorName;
          }
          expect(outcome, `execute(${k}) at start+${t - start} with ${JSON.stringify(m)}`).toBe(expected);
          if (outcome === "ok") {
            m.next = k + 1;
            successes++;
          } else {
            errors.set(outcome, (errors.get(outcome) ?? 0) + 1);
          }
          const stored = await sched.read.getSchedule([id]);
          expect(stored.nextOccurrence).toBe(m.next);
        }
      }),
      { numRuns: 120 },
    );
    console.log(`attempts ${attempts}, executed ${successes}, reverts ${JSON.stringify(Object.fromEntries(errors))}`);
    // The generator must exercise both paths, or the property proves little.
    expect(successes).toBeGreaterThan(10);
    expect(errors.size).toBeGreaterThanOrEqual(5);
  });
});
