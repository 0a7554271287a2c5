/**
 * Contention on the TaskBoard with the whole local stack (test/e2e/harness.ts: a `hardhat node` process, the
 * Ignition deployment and Ponder on PGlite): `agents` agents, each with its own key (derived, funded by dev
 * account #0, joined to a fresh open swarm), race for `tasks` tasks, mixing `claim(id)` on guessed ids with
 * `claimNext(swarm, any type)`.
 *
 * Every agent keeps one transaction in flight: it signs locally (explicit nonce, fixed gas limit so a doomed
 * claim is still sent and mined as a revert instead of being filtered out by gas estimation), sends it with
 * eth_sendRawTransaction and reads the receipt. Guessed ids come from a view shared by the agents (what they
 * perceive of the board): the lowest `guessWindow` task ids not yet seen claimed, fed by a block watcher's
 * eth_getLogs and by the agents' own receipts. claimNext also takes the oldest task, so both kinds fight over the
 * front of the queue.
 *
 * Indexer lag (per block that holds at least one claim):
 *  - mined: the first moment this process knows the block exists: the eth_sendRawTransaction answer of a
 *    transaction in it (automine answers once the block is mined) or the block watcher (eth_blockNumber every
 *    ~10 ms), whichever is earlier;
 *  - visible: the first GraphQL answer (polled every ~20 ms: `_meta { status }` and the swarm's claimed-task
 *    count) whose claimed count reaches the number of claims in blocks <= this one (the indexer applies blocks
 *    in order, so that is when this block's claims are all visible). Answer-arrival time, so an upper bound.
 *    The same from `_meta`'s block number is reported as a cross-check.
 */
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import {
  encodeFunctionData,
  getAbiItem,
  getAddress,
  keccak256,
  parseEther,
  parseEventLogs,
  toHex,
  zeroAddress,
  type Address,
  type Hex,
  type LocalAccount,
  type TransactionReceipt,
} from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { SwarmRegistryAbi, TaskBoardAbi } from "../../sdk/abis.ts";
import { startStack, type TestStack } from "../../test/e2e/harness.ts";
import { percentile } from "./result.ts";

export type ContentionOptions = {
  agents?: number;
  tasks?: number;
  /** Share of attempts that use claim(guessed id) rather than claimNext (default 0.5). */
  guessShare?: number;
  /** Guesses are drawn from the lowest this-many ids not yet seen claimed (default 64). */
  guessWindow?: number;
  /**
   * Block production during the race: 0 = automine (a block per transaction, `npm run dev`'s default); n > 0 =
   * a block every n ms with automine off (`evm_setIntervalMining`), so the agents' claims share blocks and race
   * inside them as on a real chain. Default 500.
   */
  blockMs?: number;
  /** Single claims on the quiet indexer after the race, for the lag without backlog (default 20). */
  probes?: number;
  /** Extra environment for the indexer (e.g. { PONDER_LOG_LEVEL: "debug" } to study the lag). */
  indexerEnv?: NodeJS.ProcessEnv;
  log?: (message: string) => void;
};

export type ContentionReport = {
  agents: number;
  tasks: number;
  blockMs: number;
  claims: number;
  attempts: number;
  attemptsByKind: { claim: number; claimNext: number };
  reverted: number;
  revertedByKind: { claim: number; claimNext: number };
  /** Wall clock from the start signal to the last successful claim's receipt. */
  raceSeconds: number;
  claimsPerSecond: number;
  blocksWithClaims: number;
  maxClaimsPerBlock: number;
  /** From `_meta { status }` (polled every ~20 ms): block b's claims are visible once the indexed block >= b. */
  lagMs: { p50: number; p90: number; p99: number; max: number; samples: number };
  /** Cross-check from the swarm's claimed-task count (polled every ~100 ms). */
  countLagMs: { p50: number; p99: number; samples: number };
  graphqlPolls: number;
  /** Median time between two `_meta` answers (the poll period actually achieved). */
  graphqlPollIntervalMs: number;
  /** Median GraphQL answer time of the `_meta` poll. */
  graphqlLatencyMs: number;
  /** Time from the last claim's block to the indexer showing all claims. */
  drainMs: number;
  /** Claims / time from the first claim's block to the indexer showing all claims: the indexer's throughput under the burst. */
  indexerClaimsPerSecond: number;
  /** Single claims (automine) on the drained indexer: eth_sendRawTransaction answer -> `_meta` reaching the block. */
  quietLagMs: { p50: number; p99: number; min: number; max: number; samples: number };
  /**
   * Medians over the probes, from the indexer's debug log (wall-clock times of the same machine): mined ->
   * Ponder receives the new head (its RPC polling), -> Ponder logs the block indexed, -> our GraphQL poll sees it.
   */
  quietLagBreakdownMs?: { untilHeadReceived: number; indexing: number; untilVisible: number; samples: number };
  verification: {
    onChainClaimEvents: number;
    tasksClaimedExactlyOnce: number;
    tasksWithStatusClaimedAndMatchingClaimant: number;
    indexerClaimedWithEpoch1: number;
    indexerClaimedEvents: number;
    ok: boolean;
    problems: string[];
  };
  setupSeconds: number;
  stackStartSeconds: number;
};

const BUILD = keccak256(toHex("build"));
const ZERO32: Hex = `0x${"00".repeat(32)}`;
const MAX_FEE = 100_000_000_000n; // 100 gwei
const PRIORITY_FEE = 1_000_000_000n;
const CLAIM_GAS = 200_000n;
const TASK_CLAIMED = getAbiItem({ abi: TaskBoardAbi, name: "TaskClaimed" });
const STATUS_CLAIMED = 2;

type Attempt = {
  agent: number;
  kind: "claim" | "claimNext";
  guess?: bigint;
  hash: Hex;
  answeredAt: number;
  blockNumber: bigint;
  ok: boolean;
  taskId?: bigint;
};

export async function runContention(options: ContentionOptions = {}): Promise<ContentionReport> {
  const { agents: agentCount = 50, tasks: taskCount = 1_000, guessShare = 0.5, guessWindow = 64, blockMs = 500, probes = 20, log = () => {} } = options;
  const t0 = performance.now();
    // Debug level: the indexer logs when it receives each new head and when it has indexed each block, which splits
  // the quiet-indexer lag into polling wait, indexing and serving (see quietLagBreakdownMs).
  const stack = await startStack({ build: false, accounts: 1, indexerEnv: { PONDER_LOG_LEVEL: "debug", ...options.indexerEnv } });
  const stackStartSeconds = (performance.now() - t0) / 1000;
  log(`  stack up in ${stackStartSeconds.toFixed(1)} s (chain ${stack.rpcUrl}, indexer ${stack.apiUrl})`);
  try {
    return await race(stack, { agentCount, taskCount, guessShare, guessWindow, blockMs, probes, log, stackStartSeconds });
  } catch (error) {
    console.error(`contention failed; logs in ${stack.workDir}/logs (set CONCORD_E2E_KEEP=1 to keep them)`);
    throw error;
  } finally {
    await stack.stop();
  }
}

async function race(
  stack: TestStack,
  o: { agentCount: number; taskCount: number; guessShare: number; guessWindow: number; blockMs: number; probes: number; log: (m: string) => void; stackStartSeconds: number },
): Promise<ContentionReport> {
  const { publicClient: pc, chain } = stack;
  const rpc = <T,>(method: string, params: unknown[] = []) => pc.request({ method, params } as never) as Promise<T>;
  const registry = stack.addresses.SwarmRegistry!;
  const board = stack.addresses.TaskBoard!;
  const owner = stack.walletClients[0]!.account as LocalAccount;
  const setupStart = performance.now();

  /** Signs and sends; returns the hash (computed locally) and whether the node answered with an error. */
  async function sendRaw(account: LocalAccount, nonce: number, to: Address, data: Hex, gas: bigint, value = 0n) {
    const raw = await account.signTransaction({
      chainId: chain.id,
      type: "eip1559",
      nonce,
      to,
      data,
      value,
      gas,
      maxFeePerGas: MAX_FEE,
      maxPriorityFeePerGas: PRIORITY_FEE,
    });
    const hash = keccak256(raw);
    let error: unknown;
    try {
      await rpc("eth_sendRawTransaction", [raw]);
    } catch (e) {
      error = e; // automine: a reverted transaction is mined and the node answers with an error
    }
    return { hash, error, answeredAt: performance.now() };
  }

  /**
   * Mines everything pending (automine off) until every sender's last transaction (`lastOfEachSender`) is in,
   * holding the base fee down (full blocks would raise it past the fee cap), then checks every receipt.
   */
  async function mineAll(hashes: Hex[], lastOfEachSender: Hex[], what: string) {
    for (let guard = 0; ; guard++) {
      await rpc("hardhat_setNextBlockBaseFeePerGas", [toHex(1_000_000_000n)]);
      await rpc("evm_mine");
      const receipts = await Promise.all(lastOfEachSender.map((h) => rpc<{ status: Hex } | null>("eth_getTransactionReceipt", [h])));
      if (receipts.every((r) => r !== null)) break;
      if (guard > 500) throw new Error(`${what}: transactions did not get mined`);
    }
    for (let i = 0; i < hashes.length; i += 100) {
      const receipts = await Promise.all(hashes.slice(i, i + 100).map((h) => rpc<{ status: Hex } | null>("eth_getTransactionReceipt", [h])));
      const bad = receipts.findIndex((r) => r?.status !== "0x1");
      if (bad >= 0) throw new Error(`${what}: transaction ${hashes[i + bad]} failed or missing`);
    }
  }

  // --- setup: swarm, funded agents that joined it, tasks posted in bulk -------------------------------------
  const agents = Array.from({ length: o.agentCount }, (_, i) => privateKeyToAccount(keccak256(toHex(`concord-bench-agent-${i}`))));
  let ownerNonce = await pc.getTransactionCount({ address: owner.address, blockTag: "pending" });

  async function createSwarm(metadataURI: string) {
    const sent = await sendRaw(
      owner,
      ownerNonce++,
      registry,
      encodeFunctionData({
        abi: SwarmRegistryAbi,
        functionName: "createSwarm",
        args: [{ policy: 0, gateKind: 0, gateToken: zeroAddress, gateMinBalance: 0n, metadataURI }, []],
      }),
      1_000_000n,
    );
    const receipt = await pc.waitForTransactionReceipt({ hash: sent.hash });
    const created = parseEventLogs({ abi: SwarmRegistryAbi, logs: receipt.logs, eventName: "SwarmCreated" })[0];
    if (!created) throw new Error("createSwarm emitted no SwarmCreated");
    return { swarmId: created.args.swarmId, receipt };
  }
  const { swarmId, receipt: createReceipt } = await createSwarm("bench://contention");
  // A second swarm whose few tasks the owner (a member: it created it) claims one by one on a quiet indexer
  // after the race, for the lag of a single claim when the indexer has no backlog.
  const { swarmId: probeSwarmId } = await createSwarm("bench://lag-probe");

  await rpc("evm_setAutomine", [false]);
  try {
    const funding: Hex[] = [];
    for (const a of agents) funding.push((await sendRaw(owner, ownerNonce++, a.address, "0x", 21_000n, parseEther("10"))).hash);
    await mineAll(funding, funding.slice(-1), "funding");
    const joins: Hex[] = [];
    const joinData = encodeFunctionData({ abi: SwarmRegistryAbi, functionName: "join", args: [swarmId, ""] });
    for (const a of agents) joins.push((await sendRaw(a, 0, registry, joinData, 300_000n)).hash);
    await mineAll(joins, joins, "joins");
    const postData = encodeFunctionData({
      abi: TaskBoardAbi,
      functionName: "post",
      args: [{ swarmId, typeTag: BUILD, priority: 0, leaseTtl: 3600, deadline: 0, specURI: "bench://task", specHash: BUILD, rewardToken: zeroAddress, rewardAmount: 0n }],
    });
    const posts: Hex[] = [];
    const probeData = encodeFunctionData({
      abi: TaskBoardAbi,
      functionName: "post",
      args: [{ swarmId: probeSwarmId, typeTag: BUILD, priority: 0, leaseTtl: 3600, deadline: 0, specURI: "bench://probe", specHash: BUILD, rewardToken: zeroAddress, rewardAmount: 0n }],
    });
    for (let i = 0; i < o.probes; i++) posts.push((await sendRaw(owner, ownerNonce++, board, probeData, 400_000n)).hash);
    for (let i = 0; i < o.taskCount; i += 100) {
      const batch = Array.from({ length: Math.min(100, o.taskCount - i) }, () => sendRaw(owner, ownerNonce++, board, postData, 400_000n));
      for (const sent of await Promise.all(batch)) posts.push(sent.hash);
    }
    await mineAll(posts, posts.slice(-1), "posts");
  } finally {
    await rpc("evm_setAutomine", [true]);
  }
  const postedLogs = await pc.getLogs({
    address: board,
    event: getAbiItem({ abi: TaskBoardAbi, name: "TaskPosted" }),
    args: { swarmId },
    fromBlock: createReceipt.blockNumber,
  });
  const taskIds = postedLogs.map((l) => l.args.taskId!).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  if (taskIds.length !== o.taskCount) throw new Error(`posted ${taskIds.length} tasks, expected ${o.taskCount}`);

  const metaQuery = `{ _meta { status } }`;
  const claimedCountQuery = `query($s: BigInt!) { tasks(where: { swarmId: $s, status: "claimed" }, limit: 1) { totalCount } }`;
  await stack.waitForGraphql<{ tasks: { totalCount: number } }>(
    `query($s: BigInt!) { tasks(where: { swarmId: $s, status: "open" }, limit: 1) { totalCount } }`,
    (d) => d.tasks.totalCount === o.taskCount,
    { variables: { s: String(swarmId) }, timeoutMs: 120_000 },
  );
  const setupSeconds = (performance.now() - setupStart) / 1000;
  o.log(`  setup (swarm ${swarmId}, ${o.agentCount} agents funded + joined, ${o.taskCount} tasks posted and indexed) in ${setupSeconds.toFixed(1)} s`);

  // --- shared perception: block watcher + GraphQL poller ----------------------------------------------------
  const seenClaimed = new Set<bigint>(); // what the agents perceive as claimed (watcher logs + own receipts)
  const blockSeenAt = new Map<bigint, number>();
  let running = true;
  let lastBlock = await pc.getBlockNumber();
  const startBlock = lastBlock + 1n;
  let blockWaiters: Array<() => void> = [];
  const nextBlock = () => new Promise<void>((resolve) => blockWaiters.push(resolve));

  const watcher = (async () => {
    while (running) {
      const started = performance.now();
      const n = BigInt(await rpc<Hex>("eth_blockNumber"));
      const seenAt = performance.now();
      if (n > lastBlock) {
        for (let b = lastBlock + 1n; b <= n; b++) if (!blockSeenAt.has(b)) blockSeenAt.set(b, seenAt);
        const from = lastBlock + 1n;
        lastBlock = n;
        const waiters = blockWaiters;
        blockWaiters = [];
        for (const w of waiters) w();
        const logs = await pc.getLogs({ address: board, event: TASK_CLAIMED, args: { swarmId }, fromBlock: from, toBlock: n });
        for (const l of logs) seenClaimed.add(l.args.taskId!);
      }
      await sleep(Math.max(0, 10 - (performance.now() - started)));
    }
  })();

  // Two pollers: `_meta` every ~20 ms (cheap: one row of Ponder's checkpoint table) and the swarm's claimed-task
  // count every ~100 ms (a cross-check that the block's claims themselves are visible). Both hit the indexer's
  // process (PGlite runs in it), so they are kept light.
  type MetaPoll = { at: number; metaBlock: number; took: number };
  type CountPoll = { at: number; claimed: number };
  const metaPolls: MetaPoll[] = [];
  const countPolls: CountPoll[] = [];
  let polling = true;
  const metaPoller = (async () => {
    while (polling) {
      const started = performance.now();
      try {
        const d = await stack.graphql<{ _meta: { status: Record<string, { block: { number: number } }> } }>(metaQuery);
        const at = performance.now();
        metaPolls.push({ at, metaBlock: Math.max(...Object.values(d._meta.status).map((c) => c.block.number)), took: at - started });
      } catch {
        // a failed poll is simply a missing sample
      }
      await sleep(Math.max(0, 20 - (performance.now() - started)));
    }
  })();
  const countPoller = (async () => {
    while (polling) {
      const started = performance.now();
      try {
        const d = await stack.graphql<{ tasks: { totalCount: number } }>(claimedCountQuery, { s: String(swarmId) });
        countPolls.push({ at: performance.now(), claimed: d.tasks.totalCount });
      } catch {
        // a failed poll is simply a missing sample
      }
      await sleep(Math.max(0, 100 - (performance.now() - started)));
    }
  })();

  // --- the race --------------------------------------------------------------------------------------------
  const attempts: Attempt[] = [];
  let claims = 0;
  let lastClaimAt = 0;
  const claimData = (id: bigint) => encodeFunctionData({ abi: TaskBoardAbi, functionName: "claim", args: [id] });
  const claimNextData = encodeFunctionData({ abi: TaskBoardAbi, functionName: "claimNext", args: [swarmId, ZERO32] });
  const minTask = taskIds[0]!;
  const maxTask = taskIds[taskIds.length - 1]!;

  function guess(): bigint | undefined {
    const window: bigint[] = [];
    for (let id = minTask; id <= maxTask && window.length < o.guessWindow; id++) if (!seenClaimed.has(id)) window.push(id);
    return window.length === 0 ? undefined : window[Math.floor(Math.random() * window.length)];
  }

  async function receiptOf(hash: Hex): Promise<TransactionReceipt> {
    // Ask once per block (the watcher announces blocks), not in a tight loop: 50 agents polling would load the node.
    for (let i = 0; ; i++) {
      const next = nextBlock();
      const r = await pc.getTransactionReceipt({ hash }).catch(() => undefined);
      if (r) return r;
      if (i > 300) throw new Error(`no receipt for ${hash}`);
      await Promise.race([next, sleep(1_000)]);
    }
  }

  async function agentLoop(index: number) {
    const account = agents[index]!;
    let nonce = 1; // 0 was the join
    while (claims < o.taskCount) {
      const id = Math.random() < o.guessShare ? guess() : undefined;
      const kind = id === undefined ? "claimNext" : "claim";
      const sent = await sendRaw(account, nonce, board, id === undefined ? claimNextData : claimData(id), CLAIM_GAS);
      const receipt = await receiptOf(sent.hash).catch((e) => {
        throw new Error(`agent ${index}: ${(e as Error).message}; send error: ${String(sent.error)}`);
      });
      nonce++;
      const claimed = parseEventLogs({ abi: TaskBoardAbi, logs: receipt.logs, eventName: "TaskClaimed" })[0];
      const ok = receipt.status === "success" && claimed !== undefined;
      attempts.push({ agent: index, kind, guess: id, hash: sent.hash, answeredAt: sent.answeredAt, blockNumber: receipt.blockNumber, ok, taskId: claimed?.args.taskId });
      if (ok) {
        claims++;
        lastClaimAt = performance.now();
        seenClaimed.add(claimed.args.taskId);
      } else if (kind === "claimNext") {
        // claimNext only reverts when the queue is empty (no deadlines here): nothing left for this agent.
        if ((await pc.readContract({ address: board, abi: TaskBoardAbi, functionName: "peekNext", args: [swarmId, ZERO32] })) === 0n) return;
      }
    }
  }

  if (o.blockMs > 0) {
    await rpc("evm_setAutomine", [false]);
    await rpc("evm_setIntervalMining", [o.blockMs]);
  }
  const raceStart = performance.now();
  o.log(`  race: ${o.agentCount} agents, ${o.taskCount} tasks, ${o.blockMs > 0 ? `a block every ${o.blockMs} ms` : "automine"}…`);
  try {
    await Promise.all(agents.map((_, i) => agentLoop(i)));
  } finally {
    if (o.blockMs > 0) {
      await rpc("evm_setIntervalMining", [0]);
      await rpc("evm_setAutomine", [true]);
    }
  }
  const raceSeconds = (lastClaimAt - raceStart) / 1000;
  running = false;
  await watcher;

  // Wait until the indexer shows every claim (bounded), then stop polling.
  const drainDeadline = performance.now() + 120_000;
  while ((countPolls[countPolls.length - 1]?.claimed ?? 0) < claims && performance.now() < drainDeadline) await sleep(20);
  polling = false;
  await Promise.all([metaPoller, countPoller]);
  o.log(`  race done: ${claims} claims, ${attempts.length} attempts in ${raceSeconds.toFixed(2)} s`);

  // --- lag per block with claims -----------------------------------------------------------------------------
  const claimsPerBlock = new Map<bigint, number>();
  const firstAnswerInBlock = new Map<bigint, number>();
  for (const a of attempts) {
    if (a.ok) claimsPerBlock.set(a.blockNumber, (claimsPerBlock.get(a.blockNumber) ?? 0) + 1);
    firstAnswerInBlock.set(a.blockNumber, Math.min(firstAnswerInBlock.get(a.blockNumber) ?? Infinity, a.answeredAt));
  }
  const blocks = [...claimsPerBlock.keys()].sort((a, b) => (a < b ? -1 : 1));
  // Automine answers eth_sendRawTransaction once the block is mined, so that answer also tells us the block exists.
  const minedAt = (b: bigint) => Math.min(blockSeenAt.get(b) ?? Infinity, o.blockMs === 0 ? (firstAnswerInBlock.get(b) ?? Infinity) : Infinity);
  const lags: number[] = [];
  const countLags: number[] = [];
  let cumulative = 0;
  let ci = 0;
  let mi = 0;
  for (const b of blocks) {
    cumulative += claimsPerBlock.get(b)!;
    const mined = minedAt(b);
    if (!Number.isFinite(mined)) continue;
    while (mi < metaPolls.length && metaPolls[mi]!.metaBlock < Number(b)) mi++;
    if (mi < metaPolls.length) lags.push(Math.max(0, metaPolls[mi]!.at - mined));
    while (ci < countPolls.length && countPolls[ci]!.claimed < cumulative) ci++;
    if (ci < countPolls.length) countLags.push(Math.max(0, countPolls[ci]!.at - mined));
  }
  const lastBlockWithClaim = blocks[blocks.length - 1];
  const lastMined = lastBlockWithClaim === undefined ? 0 : minedAt(lastBlockWithClaim);
  const allVisible = countPolls.find((p) => p.claimed >= claims);
  const pollGaps = metaPolls.slice(1).map((p, i) => p.at - metaPolls[i]!.at);

  // --- verification: on chain and in the indexer --------------------------------------------------------------
  const problems: string[] = [];
  const claimLogs = await pc.getLogs({ address: board, event: TASK_CLAIMED, args: { swarmId }, fromBlock: startBlock });
  const perTask = new Map<bigint, { count: number; claimant: Address }>();
  for (const l of claimLogs) {
    const prev = perTask.get(l.args.taskId!);
    perTask.set(l.args.taskId!, { count: (prev?.count ?? 0) + 1, claimant: getAddress(l.args.claimant!) });
  }
  const exactlyOnce = taskIds.filter((id) => perTask.get(id)?.count === 1).length;
  if (exactlyOnce !== taskIds.length) problems.push(`${taskIds.length - exactlyOnce} tasks not claimed exactly once (TaskClaimed events)`);
  if (claimLogs.length !== claims) problems.push(`${claimLogs.length} TaskClaimed events vs ${claims} successful receipts`);

  let statusOk = 0;
  for (let i = 0; i < taskIds.length; i += 50) {
    const chunk = taskIds.slice(i, i + 50);
    const tasks = await Promise.all(chunk.map((id) => pc.readContract({ address: board, abi: TaskBoardAbi, functionName: "getTask", args: [id] })));
    tasks.forEach((t, j) => {
      if (t.status === STATUS_CLAIMED && t.epoch === 1n && getAddress(t.claimant) === perTask.get(chunk[j]!)?.claimant) statusOk++;
    });
  }
  if (statusOk !== taskIds.length) problems.push(`${taskIds.length - statusOk} tasks whose getTask is not Claimed / epoch 1 / the event's claimant`);

  const indexed = await stack.graphql<{
    tasks: { items: Array<{ id: string; status: string; claimant: string | null; epoch: string; claimCount: number }> };
    taskEvents: { totalCount: number };
  }>(
    `query($s: BigInt!) {
      tasks(where: { swarmId: $s }, limit: 1000, orderBy: "id") { items { id status claimant epoch claimCount } }
      taskEvents(where: { swarmId: $s, kind: "claimed" }, limit: 1) { totalCount }
    }`,
    { s: String(swarmId) },
  );
  const indexerOk = indexed.tasks.items.filter(
    (t) =>
      t.status === "claimed" &&
      BigInt(t.epoch) === 1n &&
      t.claimCount === 1 &&
      t.claimant !== null &&
      getAddress(t.claimant) === perTask.get(BigInt(t.id))?.claimant,
  ).length;
  if (indexerOk !== taskIds.length) problems.push(`indexer: ${taskIds.length - indexerOk} tasks not claimed once by the on-chain claimant`);
  if (indexed.taskEvents.totalCount !== taskIds.length) problems.push(`indexer: ${indexed.taskEvents.totalCount} claimed task events, expected ${taskIds.length}`);

  // --- lag of a single claim on a quiet indexer (automine, one claim per block, ~0.3-0.9 s apart) ------------
  o.log(`  lag probe: ${o.probes} single claims on the drained indexer…`);
  const probeLags: number[] = [];
  const probeTimes: Array<{ block: number; minedMsOfDay: number; visibleMsOfDay: number }> = [];
  const claimNextProbe = encodeFunctionData({ abi: TaskBoardAbi, functionName: "claimNext", args: [probeSwarmId, ZERO32] });
  for (let i = 0; i < o.probes; i++) {
    // a random phase against Ponder's polling interval
    await sleep(300 + Math.random() * 600);
    const sent = await sendRaw(owner, ownerNonce++, board, claimNextProbe, CLAIM_GAS);
    if (sent.error) throw new Error(`probe claim failed: ${String(sent.error)}`);
    const receipt = await pc.getTransactionReceipt({ hash: sent.hash });
    if (receipt.status !== "success") throw new Error("probe claim reverted");
    const deadlineAt = performance.now() + 30_000;
    for (;;) {
      const started = performance.now();
      const d = await stack.graphql<{ _meta: { status: Record<string, { block: { number: number } }> } }>(metaQuery);
      const at = performance.now();
      if (Math.max(...Object.values(d._meta.status).map((c) => c.block.number)) >= Number(receipt.blockNumber)) {
        probeLags.push(at - sent.answeredAt);
        probeTimes.push({ block: Number(receipt.blockNumber), minedMsOfDay: msOfDay(Date.now() - (at - sent.answeredAt)), visibleMsOfDay: msOfDay(Date.now()) });
        break;
      }
      if (at > deadlineAt) throw new Error(`probe claim in block ${receipt.blockNumber} not indexed within 30 s`);
      await sleep(Math.max(0, 20 - (performance.now() - started)));
    }
  }
  const probeVisible = await stack.graphql<{ tasks: { totalCount: number } }>(claimedCountQuery, { s: String(probeSwarmId) });
  if (probeVisible.tasks.totalCount !== o.probes) problems.push(`indexer: ${probeVisible.tasks.totalCount} probe tasks claimed, expected ${o.probes}`);

  const quietLagBreakdownMs = breakdownFromIndexerLog(path.join(stack.workDir, "logs", "indexer.log"), probeTimes);

  const reverted = attempts.filter((a) => !a.ok);
  const firstClaimBlock = blocks[0];
  const indexerSeconds = allVisible && firstClaimBlock !== undefined ? (allVisible.at - minedAt(firstClaimBlock)) / 1000 : Number.NaN;
  const r = (v: number) => Math.round(v * 10) / 10;
  return {
    agents: o.agentCount,
    tasks: o.taskCount,
    blockMs: o.blockMs,
    claims,
    attempts: attempts.length,
    attemptsByKind: { claim: attempts.filter((a) => a.kind === "claim").length, claimNext: attempts.filter((a) => a.kind === "claimNext").length },
    reverted: reverted.length,
    revertedByKind: { claim: reverted.filter((a) => a.kind === "claim").length, claimNext: reverted.filter((a) => a.kind === "claimNext").length },
    raceSeconds: r(raceSeconds * 100) / 100,
    claimsPerSecond: r(claims / raceSeconds),
    blocksWithClaims: blocks.length,
    maxClaimsPerBlock: Math.max(0, ...claimsPerBlock.values()),
    lagMs: { p50: r(percentile(lags, 50)), p90: r(percentile(lags, 90)), p99: r(percentile(lags, 99)), max: r(Math.max(...lags)), samples: lags.length },
    countLagMs: { p50: r(percentile(countLags, 50)), p99: r(percentile(countLags, 99)), samples: countLags.length },
    graphqlPolls: metaPolls.length,
    graphqlPollIntervalMs: r(percentile(pollGaps, 50)),
    graphqlLatencyMs: r(percentile(metaPolls.map((p) => p.took), 50)),
    drainMs: allVisible ? r(allVisible.at - lastMined) : Number.NaN,
    indexerClaimsPerSecond: r(claims / indexerSeconds),
    quietLagMs: { p50: r(percentile(probeLags, 50)), p99: r(percentile(probeLags, 99)), min: r(Math.min(...probeLags)), max: r(Math.max(...probeLags)), samples: probeLags.length },
    ...(quietLagBreakdownMs ? { quietLagBreakdownMs } : {}),
    verification: {
      onChainClaimEvents: claimLogs.length,
      tasksClaimedExactlyOnce: exactlyOnce,
      tasksWithStatusClaimedAndMatchingClaimant: statusOk,
      indexerClaimedWithEpoch1: indexerOk,
      indexerClaimedEvents: indexed.taskEvents.totalCount,
      ok: problems.length === 0,
      problems,
    },
    setupSeconds: r(setupSeconds),
    stackStartSeconds: r(o.stackStartSeconds),
  };
}

/** Milliseconds since local midnight (the indexer's log lines carry local HH:MM:SS.mmm). */
function msOfDay(epochMs: number): number {
  const d = new Date(epochMs);
  return ((d.getHours() * 60 + d.getMinutes()) * 60 + d.getSeconds()) * 1000 + d.getMilliseconds();
}

/**
 * Splits the probes' lag with the indexer's debug log: "Received new head block … number=N" and "Indexed block …
 * number=N". Undefined when the log lacks those lines (another Ponder version or log level).
 */
function breakdownFromIndexerLog(
  file: string,
  probes: Array<{ block: number; minedMsOfDay: number; visibleMsOfDay: number }>,
): ContentionReport["quietLagBreakdownMs"] {
  if (!existsSync(file) || probes.length === 0) return undefined;
  const head = new Map<number, number>();
  const indexed = new Map<number, number>();
  for (const raw of readFileSync(file, "utf8").replace(/\x1b\[[0-9;]*m/g, "").split("\n")) {
    const m = /^(\d\d):(\d\d):(\d\d)\.(\d{3})\s+\S+\s+(Received new head block|Indexed block)\b.*?\bnumber=(\d+)/.exec(raw.trim());
    if (!m) continue;
    const t = ((Number(m[1]) * 60 + Number(m[2])) * 60 + Number(m[3])) * 1000 + Number(m[4]);
    const map = m[5] === "Indexed block" ? indexed : head;
    if (!map.has(Number(m[6]))) map.set(Number(m[6]), t);
  }
  const untilHead: number[] = [];
  const indexing: number[] = [];
  const untilVisible: number[] = [];
  for (const p of probes) {
    const h = head.get(p.block);
    const i = indexed.get(p.block);
    if (h === undefined || i === undefined) continue;
    untilHead.push(h - p.minedMsOfDay);
    indexing.push(i - h);
    untilVisible.push(p.visibleMsOfDay - i);
  }
  if (untilHead.length === 0) return undefined;
  const r = (v: number) => Math.round(v);
  return { untilHeadReceived: r(percentile(untilHead, 50)), indexing: r(percentile(indexing, 50)), untilVisible: r(percentile(untilVisible, 50)), samples: untilHead.length };
}
