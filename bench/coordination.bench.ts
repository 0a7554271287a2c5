/**
 * Coordination benchmark (`npm run bench coordination`):
 *  1. gas per operation of TaskBoard / SharedState / MessageBus from real receipts on an in-process Hardhat
 *     chain, with claimNext / claim measured at 10, 1,000 and 10,000 open tasks (bench/lib/coordinationGas.ts);
 *  2. contention: 50 funded agents race for 1,000 tasks on the whole local stack (Hardhat node + Ponder), every
 *     task verified claimed exactly once on chain and in the indexer; claims/s, reverted attempts and the
 *     indexer's lag per block (bench/lib/contention.ts).
 *
 * Environment knobs: BENCH_AGENTS (50), BENCH_TASKS (1000), BENCH_BLOCK_MS (500; 0 = automine).
 */
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { loadavg } from "node:os";
import path from "node:path";
import { HARDHAT_CLI, ROOT_DIR } from "../scripts/lib/paths.ts";
import { runContention } from "./lib/contention.ts";
import { measureCoordinationGas } from "./lib/coordinationGas.ts";
import { atLeast, atMost, type BenchResult, type Metric } from "./lib/result.ts";

const CLAIM_MAX = 60_000;
const CLAIM_NEXT_MAX = 80_000;
const CLAIM_NEXT_SPREAD_MAX = 300; // "flat": a few hundred gas at most between 10 and 10,000 open tasks
const CAS_MAX = 50_000;

const log = (m: string) => console.log(m);
const envInt = (name: string, fallback: number) => {
  const v = process.env[name];
  if (v === undefined || v === "") return fallback;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new Error(`${name} must be a non-negative integer, got ${v}`);
  return n;
};

/** Ponder's RPC polling interval for the local chain, as indexer/ponder.config.ts sets it (for the notes). */
function ponderLocalPollingMs(): number | undefined {
  try {
    const config = readFileSync(path.join(ROOT_DIR, "indexer", "ponder.config.ts"), "utf8");
    const m = /pollingInterval:\s*chainId === LOCAL_CHAIN_ID \? ([\d_]+)/.exec(config);
    return m ? Number(m[1]!.replace(/_/g, "")) : undefined;
  } catch {
    return undefined;
  }
}

export default async function run(): Promise<BenchResult> {
  const started = performance.now();
  const loadBefore = loadavg()[0]!;
  log("compiling contracts (hardhat build)…");
  execFileSync(process.execPath, [HARDHAT_CLI, "build", "--quiet"], { cwd: ROOT_DIR, stdio: "inherit" });

  // ---- 1. gas --------------------------------------------------------------------------------------------------
  log("gas: in-process Hardhat chain, bulk-posting 10 / 1,000 / 10,000 open tasks…");
  const gasStart = performance.now();
  const gas = await measureCoordinationGas(log);
  const gasSeconds = (performance.now() - gasStart) / 1000;

  const metrics: Metric[] = [];
  type SizeKey = "claimNextTyped" | "claimNextAny" | "claimHead" | "claimMiddle" | "claimWorst" | "post";
  const maxOf = (k: SizeKey) => Math.max(...gas.bySize.map((s) => s[k]));
  const spreadOf = (k: SizeKey) =>
    maxOf(k) - Math.min(...gas.bySize.map((s) => s[k]));
  const sizes = gas.bySize.map((s) => s.openTasks.toLocaleString("en-US")).join(" / ");

  metrics.push(atMost("gas.claim (by id, head of queue), max over sizes", maxOf("claimHead"), "gas", CLAIM_MAX, `open tasks ${sizes}`));
  metrics.push(atMost("gas.claim (by id, middle of both lists, same neighbours), max over sizes", maxOf("claimMiddle"), "gas", CLAIM_MAX, `open tasks ${sizes}; one type: the typed and any-type neighbours are the same two tasks`));
  metrics.push(
    atMost("gas.claim (by id, worst case: middle of both lists, 4 different neighbours), max over sizes", maxOf("claimWorst"), "gas", CLAIM_MAX, `open tasks ${sizes}; values ${gas.bySize.map((s) => s.claimWorst).join(" / ")}`),
  );
  metrics.push(atMost("gas.claimNext (typed queue), max over sizes", maxOf("claimNextTyped"), "gas", CLAIM_NEXT_MAX, `open tasks ${sizes}`));
  metrics.push(atMost("gas.claimNext (any-type queue), max over sizes", maxOf("claimNextAny"), "gas", CLAIM_NEXT_MAX, `open tasks ${sizes}`));
  for (const k of ["claimNextTyped", "claimNextAny"] as const) {
    const spread = spreadOf(k);
    const pct = (100 * spread) / Math.min(...gas.bySize.map((s) => s[k]));
    metrics.push(
      atMost(`gas.${k} spread 10 vs 1,000 vs 10,000 open (max - min)`, spread, "gas", CLAIM_NEXT_SPREAD_MAX, `${pct.toFixed(3)}% of the smallest; values ${gas.bySize.map((s) => s[k]).join(" / ")}`),
    );
  }
  metrics.push({ name: "gas.claim spread 10 vs 1,000 vs 10,000 open (head / middle / worst case)", value: Math.max(spreadOf("claimHead"), spreadOf("claimMiddle"), spreadOf("claimWorst")), unit: "gas" });
  metrics.push(atMost("gas.compareAndSet (SharedState update, 32 B)", gas.single.cas!, "gas", CAS_MAX));
  metrics.push({ name: "gas.post (typed, no reward)", value: maxOf("post"), unit: "gas", notes: `spread over sizes ${spreadOf("post")}` });
  metrics.push({ name: "gas.renew", value: gas.single.renew!, unit: "gas" });
  metrics.push({ name: "gas.complete (no reward)", value: gas.single.complete!, unit: "gas" });
  metrics.push({ name: "gas.claimBySig (later nonce)", value: gas.single.claimBySig!, unit: "gas", notes: `first relayed claim of a signer (nonce slot 0 -> 1): ${gas.single.claimBySigFirst}` });
  metrics.push({ name: "gas.broadcast (32 B)", value: gas.single.broadcast!, unit: "gas", notes: `a swarm's first message: ${gas.single.broadcastFirst}` });

  // ---- 2. contention ----------------------------------------------------------------------------------------
  const agents = envInt("BENCH_AGENTS", 50);
  const tasks = envInt("BENCH_TASKS", 1_000);
  const blockMs = envInt("BENCH_BLOCK_MS", 500);
  log(`contention: whole stack (Hardhat node + Ignition + Ponder/PGlite), ${agents} agents, ${tasks} tasks…`);
  const c = await runContention({ agents, tasks, blockMs, log });
  const polling = ponderLocalPollingMs();

  metrics.push(atLeast("contention.tasks claimed exactly once (on chain: events + getTask)", Math.min(c.verification.tasksClaimedExactlyOnce, c.verification.tasksWithStatusClaimedAndMatchingClaimant), "tasks", tasks));
  metrics.push(atLeast("contention.tasks claimed once in the indexer (status, epoch 1, claimant)", c.verification.indexerClaimedWithEpoch1, "tasks", tasks));
  metrics.push({ name: "contention.claims per second (wall clock)", value: c.claimsPerSecond, unit: "claims/s", notes: `${c.claims} claims in ${c.raceSeconds} s; ${c.blockMs > 0 ? `a block every ${c.blockMs} ms` : "automine"}` });
  metrics.push({
    name: "contention.reverted claim attempts",
    value: c.reverted,
    unit: "tx",
    notes: `${c.attempts} attempts (${c.attemptsByKind.claim} claim(id), ${c.attemptsByKind.claimNext} claimNext); reverted: ${c.revertedByKind.claim} claim(id) lost races, ${c.revertedByKind.claimNext} claimNext on an empty queue at the end`,
  });
  metrics.push({ name: "contention.indexer lag p50 during the race (block mined -> claims in GraphQL)", value: c.lagMs.p50, unit: "ms", notes: `${c.lagMs.samples} blocks with claims; grows with the backlog: the indexer took ${c.indexerClaimsPerSecond} claims/s vs ${c.claimsPerSecond} claims/s mined` });
  metrics.push({ name: "contention.indexer lag p99 during the race", value: c.lagMs.p99, unit: "ms", notes: `p90 ${c.lagMs.p90}, max ${c.lagMs.max}; claimed-count cross-check p50 ${c.countLagMs.p50}, p99 ${c.countLagMs.p99}` });
  metrics.push({ name: "contention.indexer throughput during the race", value: c.indexerClaimsPerSecond, unit: "claims/s", notes: "claims / (first claim's block mined -> all claims visible in GraphQL)" });
  metrics.push({ name: "indexer lag p50, single claim on a quiet indexer", value: c.quietLagMs.p50, unit: "ms", notes: `${c.quietLagMs.samples} claims (automine), min ${c.quietLagMs.min}, max ${c.quietLagMs.max}; Ponder polls the local chain every ${polling ?? "?"} ms` });
  metrics.push({ name: "indexer lag p99, single claim on a quiet indexer", value: c.quietLagMs.p99, unit: "ms" });
  const b = c.quietLagBreakdownMs;
  if (b) {
    metrics.push({
      name: "indexer lag, quiet: mined -> Ponder has the new head (polling), median",
      value: b.untilHeadReceived,
      unit: "ms",
      notes: `then indexing the block ${b.indexing} ms, then visible to our 20 ms GraphQL poll ${b.untilVisible} ms (medians of ${b.samples}, from the indexer's debug log)`,
    });
  }

  const totalSeconds = (performance.now() - started) / 1000;
  metrics.push({ name: "bench.runtime", value: Math.round(totalSeconds), unit: "s", notes: `gas part ${gasSeconds.toFixed(0)} s (bulk posting ${gas.postSeconds.toFixed(0)} s), stack start ${c.stackStartSeconds} s, contention setup ${c.setupSeconds} s; 1-min load average ${loadBefore.toFixed(1)} before, ${loadavg()[0]!.toFixed(1)} after` });

  return {
    area: "coordination",
    metrics,
    tables: {
      gas: gas.rows.map((r) => ({ operation: r.operation, gas: r.gas, target: r.target, ...(r.target ? { met: metTarget(r) ? "yes" : "no" } : {}) })),
      claimNextFlatness: gas.bySize.map((s) => ({
        openTasks: s.openTasks,
        claimNextTyped: s.claimNextTyped,
        claimNextAny: s.claimNextAny,
        claimHead: s.claimHead,
        claimMiddle: s.claimMiddle,
        claimWorst: s.claimWorst,
        post: s.post,
      })),
      contention: [
        { figure: "agents / tasks", value: `${c.agents} / ${c.tasks}` },
        { figure: "block production", value: c.blockMs > 0 ? `interval mining, ${c.blockMs} ms` : "automine" },
        { figure: "claims", value: c.claims },
        { figure: "attempts (claim(id) / claimNext)", value: `${c.attempts} (${c.attemptsByKind.claim} / ${c.attemptsByKind.claimNext})` },
        { figure: "reverted (claim(id) / claimNext)", value: `${c.reverted} (${c.revertedByKind.claim} / ${c.revertedByKind.claimNext})` },
        { figure: "race wall clock (s)", value: c.raceSeconds },
        { figure: "claims per second", value: c.claimsPerSecond },
        { figure: "blocks with claims / max claims in one block", value: `${c.blocksWithClaims} / ${c.maxClaimsPerBlock}` },
        { figure: "indexer lag p50 / p90 / p99 / max (ms)", value: `${c.lagMs.p50} / ${c.lagMs.p90} / ${c.lagMs.p99} / ${c.lagMs.max}` },
        { figure: "indexer lag from claimed count, p50 / p99 (ms)", value: `${c.countLagMs.p50} / ${c.countLagMs.p99}` },
        { figure: "last claim mined -> all claims in GraphQL (ms)", value: c.drainMs },
        { figure: "indexer throughput during the race (claims/s)", value: c.indexerClaimsPerSecond },
        { figure: "single claim on a quiet indexer, lag p50 / p99 / min / max (ms)", value: `${c.quietLagMs.p50} / ${c.quietLagMs.p99} / ${c.quietLagMs.min} / ${c.quietLagMs.max}` },
        ...(b
          ? [{ figure: "quiet lag split, medians (ms): mined -> Ponder has the head / indexing the block / -> visible in GraphQL", value: `${b.untilHeadReceived} / ${b.indexing} / ${b.untilVisible}` }]
          : []),
        { figure: "GraphQL _meta poll: achieved period / answer time, median (ms)", value: `${c.graphqlPollIntervalMs} / ${c.graphqlLatencyMs}` },
        { figure: "Ponder pollingInterval for the local chain (ms)", value: polling ?? "unknown" },
        { figure: "verification", value: c.verification.ok ? "ok" : c.verification.problems.join("; ") },
      ],
      method: [
        { topic: "gas", text: "gasUsed of each transaction's receipt (refunds applied) on an in-process Hardhat chain (EDR, cancun, the repository's solc settings). One swarm per queue size; 9 / 999 / 9,999 typed tasks bulk-posted (automine off, evm_mine in batches), the 10th / 1,000th / 10,000th post measured alone, then claimNext(swarm, type), claimNext(swarm, any), claim(head), claim(middle id) in that order (so each sees one task fewer); then REVIEW, X (BUILD), REVIEW, BUILD are appended and claim(X) is the worst case (back to 10 / 1,000 / 10,000 open; X's any-type neighbours are the REVIEW tasks, its typed neighbours two other BUILD tasks). renew / complete / claimBySig / SharedState / MessageBus in a fourth swarm; claimBySig signed with the SDK (sdk/taskBoardMessages.ts) and sent by a non-member relayer; compare-and-set = set(swarm, key, 32-byte value, expectedVersion 1) by another member after the key's creation." },
      { topic: "contention", text: `Whole local stack from test/e2e/harness.ts (hardhat node process, Ignition deployment, Ponder on PGlite). ${c.agents} derived keys funded by dev account #0 and joined to a fresh open swarm; ${c.tasks} typed tasks posted in bulk and indexed before the start. Each agent keeps one transaction in flight: it signs locally (own nonce, fixed 200k gas limit so a losing claim is mined as a revert rather than filtered by gas estimation), sends it, and reads its receipt once per new block. Half the attempts are claim(id) on an id guessed uniformly among the 64 lowest ids not yet seen claimed (the view shared by the agents, fed by a block watcher's eth_getLogs and their own receipts), half claimNext(swarm, any type); an agent stops when claimNext finds the queue empty. ${c.blockMs > 0 ? `Blocks every ${c.blockMs} ms (automine off, evm_setIntervalMining) so claims share blocks and race inside them.` : "Automine: one block per transaction."} Claims per second = successful claims / wall clock from the start to the last successful claim's receipt. Verified: exactly one TaskClaimed per task, getTask Claimed with epoch 1 and the event's claimant, and in GraphQL every task claimed once by that claimant with ${c.tasks} 'claimed' task events.` },
        { topic: "indexer lag", text: `Per block holding at least one claim: from the first moment this process saw the block (eth_blockNumber polled every ~10 ms${c.blockMs === 0 ? ", or the eth_sendRawTransaction answer of a transaction in it, which automine gives after mining" : ""}) to the first GraphQL answer of _meta { status } (polled every ~20 ms) whose indexed block number reached it; answer-arrival time, so an upper bound (+ up to one poll period and the query time). Cross-check: the swarm's claimed-task count polled every ~100 ms reaching the number of claims in blocks up to this one. The polls run against the indexer's own process (PGlite is in it), so they are kept light. During the race the lag includes the indexer's backlog (it indexes blocks one after another); the quiet-indexer figure is ${c.quietLagMs.samples} single claimNext transactions in a second swarm after the indexer drained (automine, 0.3-0.9 s apart, random phase against Ponder's ${polling ?? "?"} ms polling), from the eth_sendRawTransaction answer to _meta reaching the block.` },
      ],
    },
  };
}

/** Whether a gas row meets its "<= n" target (rows without one count as met). */
function metTarget(r: { gas: number; target: string }): boolean {
  const m = /<=\s*([\d,]+)/.exec(r.target);
  return m ? r.gas <= Number(m[1]!.replace(/,/g, "")) : true;
}
