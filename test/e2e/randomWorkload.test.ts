/**
 * Whole stack under a random workload: a Hardhat node, the Concord Ignition deployment and Ponder on PGlite
 * (test/e2e/harness.ts), then ONE seeded fast-check command list (~150-250 commands) run by several agents in
 * two swarms (open and allowlist, the latter with a claim cap and a message rate limit): joins and leaves,
 * tasks (post / claim / claimNext / claimBySig relayed by another agent / renew / complete / release / expire
 * after time travel / cancel, with stale epochs and wrong actors), SharedState set/del with right or stale
 * versions, MessageBus broadcasts and direct messages, LockManager acquire/release and LeaderElection
 * campaigns/heartbeats. Reverts are part of the workload: each must decode to one of the custom errors that
 * command may legitimately hit (never an unexpected one).
 *
 * Once the indexer has the last block, the chain (view calls and logs) is compared with the REST routes
 * (every page) and GraphQL; differences are reported as a readable diff.
 *
 * Reproduce a run: CONCORD_E2E_SEED=<seed printed in the log / failure message> npx vitest run test/e2e/randomWorkload.test.ts
 */
import fc from "fast-check";
import { type Abi, type Address, type Hex, keccak256, parseEventLogs, stringToHex, toHex, zeroAddress, zeroHash } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  concordDomain,
  decodeConcordError,
  formatConcordError,
  LeaderElectionAbi,
  LockManagerAbi,
  MessageBusAbi,
  SharedStateAbi,
  signClaimTask,
  SwarmRegistryAbi,
  TaskBoardAbi,
} from "../../sdk/index.ts";
import { type DevWalletClient, type TestStack, startStack } from "./harness.ts";

type Json = any; // eslint-disable-line @typescript-eslint/no-explicit-any

const SEED = process.env.CONCORD_E2E_SEED ? Number(process.env.CONCORD_E2E_SEED) : (Date.now() ^ (Math.random() * 0x7fffffff)) | 0;
const AGENTS = 6; // wallet 0 owns both swarms; 1..5 are agents
const TYPES: Hex[] = [zeroHash, stringToHex("build", { size: 32 }), stringToHex("review", { size: 32 })];
const KEYS: Hex[] = [stringToHex("config", { size: 32 }), stringToHex("plan", { size: 32 }), keccak256(toHex("raw/key"))];
const LOCKS: Hex[] = [stringToHex("deploy", { size: 32 }), stringToHex("db", { size: 32 })];
const TASK_STATUS = ["none", "open", "claimed", "completed", "cancelled", "expired"] as const;
const TASK_KINDS: Record<string, string> = {
  TaskPosted: "posted",
  TaskClaimed: "claimed",
  TaskLeaseRenewed: "lease_renewed",
  TaskCompleted: "completed",
  TaskReleased: "released",
  TaskLeaseExpired: "lease_expired",
  TaskExpired: "expired",
  TaskCancelled: "cancelled",
};

// ------------------------------------------------------------------------------------------------
// Commands (abstract: task "picks" are resolved against the tasks posted so far when they run)
// ------------------------------------------------------------------------------------------------

const agent = fc.integer({ min: 0, max: AGENTS - 1 });
const swarmIx = fc.integer({ min: 0, max: 1 });
const pick = fc.nat({ max: 1000 });

const commandArb = fc.oneof(
  { weight: 3, arbitrary: fc.record({ k: fc.constant("join" as const), agent, swarm: swarmIx }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant("leave" as const), agent, swarm: swarmIx }) },
  {
    weight: 5,
    arbitrary: fc.record({
      k: fc.constant("post" as const),
      agent,
      swarm: swarmIx,
      type: fc.integer({ min: 0, max: TYPES.length - 1 }),
      priority: fc.integer({ min: 0, max: 15 }),
      ttl: fc.constantFrom(30, 120, 600),
      deadline: fc.option(fc.integer({ min: 60, max: 1500 }), { nil: undefined, freq: 2 }),
      reward: fc.option(fc.bigInt({ min: 1n, max: 10n ** 15n }), { nil: undefined, freq: 2 }),
    }),
  },
  { weight: 3, arbitrary: fc.record({ k: fc.constant("claim" as const), agent, task: pick }) },
  {
    weight: 3,
    arbitrary: fc.record({ k: fc.constant("claimNext" as const), agent, swarm: swarmIx, type: fc.integer({ min: 0, max: TYPES.length - 1 }) }),
  },
  {
    weight: 2,
    arbitrary: fc.record({ k: fc.constant("claimBySig" as const), agent, relayer: agent, task: pick, staleNonce: fc.boolean() }),
  },
  { weight: 2, arbitrary: fc.record({ k: fc.constant("renew" as const), task: pick, stale: fc.boolean(), wrongActor: fc.boolean(), other: agent }) },
  { weight: 3, arbitrary: fc.record({ k: fc.constant("complete" as const), task: pick, stale: fc.boolean(), wrongActor: fc.boolean(), other: agent }) },
  { weight: 2, arbitrary: fc.record({ k: fc.constant("release" as const), task: pick, stale: fc.boolean(), wrongActor: fc.boolean(), other: agent }) },
  { weight: 2, arbitrary: fc.record({ k: fc.constant("expire" as const), agent, task: pick }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant("cancel" as const), task: pick, byPoster: fc.boolean(), other: agent }) },
  { weight: 2, arbitrary: fc.record({ k: fc.constant("timeTravel" as const), seconds: fc.integer({ min: 10, max: 700 }) }) },
  {
    weight: 3,
    arbitrary: fc.record({
      k: fc.constant("stateSet" as const),
      agent,
      swarm: swarmIx,
      key: fc.integer({ min: 0, max: KEYS.length - 1 }),
      stale: fc.boolean(),
      value: fc.uint8Array({ minLength: 0, maxLength: 40 }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ k: fc.constant("stateDel" as const), agent, swarm: swarmIx, key: fc.integer({ min: 0, max: KEYS.length - 1 }), stale: fc.boolean() }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      k: fc.constant("message" as const),
      agent,
      swarm: swarmIx,
      to: fc.option(agent, { nil: undefined }),
      topic: fc.integer({ min: 0, max: 2 }),
      payload: fc.uint8Array({ minLength: 0, maxLength: 64 }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ k: fc.constant("lockAcquire" as const), agent, swarm: swarmIx, lock: fc.integer({ min: 0, max: 1 }), ttl: fc.constantFrom(20, 300) }),
  },
  { weight: 1, arbitrary: fc.record({ k: fc.constant("lockRelease" as const), swarm: swarmIx, lock: fc.integer({ min: 0, max: 1 }), stale: fc.boolean(), other: fc.option(agent, { nil: undefined }) }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant("campaign" as const), agent, swarm: swarmIx }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant("heartbeat" as const), swarm: swarmIx, stale: fc.boolean() }) },
);
type Command = typeof commandArb extends fc.Arbitrary<infer T> ? T : never;

/** The custom errors each command may legitimately revert with (anything else fails the test). */
const EXPECTED: Record<Command["k"], string[]> = {
  join: ["SwarmRegistryAlreadyMember", "SwarmRegistryNotAllowlisted"],
  leave: ["SwarmRegistryNotMember", "SwarmRegistryOwnerCannotLeave"],
  post: ["TaskBoardNotMember"],
  claim: ["TaskBoardUnknownTask", "TaskBoardNotMember", "TaskBoardAlreadyClaimed", "TaskBoardNotOpen", "TaskBoardDeadlinePassed", "TaskBoardClaimCapReached"],
  claimNext: ["TaskBoardNotMember", "TaskBoardNoOpenTask", "TaskBoardClaimCapReached"],
  claimBySig: [
    "TaskBoardUnknownTask",
    "TaskBoardNotMember",
    "TaskBoardAlreadyClaimed",
    "TaskBoardNotOpen",
    "TaskBoardDeadlinePassed",
    "TaskBoardClaimCapReached",
    "TaskBoardInvalidNonce",
  ],
  renew: ["TaskBoardUnknownTask", "TaskBoardNotClaimed", "TaskBoardNotClaimant", "TaskBoardStaleEpoch", "TaskBoardLeaseExpired", "TaskBoardNotMember"],
  complete: ["TaskBoardUnknownTask", "TaskBoardNotClaimed", "TaskBoardNotClaimant", "TaskBoardStaleEpoch", "TaskBoardLeaseExpired", "TaskBoardNotMember"],
  release: ["TaskBoardUnknownTask", "TaskBoardNotClaimed", "TaskBoardNotClaimant", "TaskBoardStaleEpoch"],
  expire: ["TaskBoardUnknownTask", "TaskBoardNotExpired"],
  cancel: ["TaskBoardUnknownTask", "TaskBoardNotPoster", "TaskBoardNotOpen"],
  timeTravel: [],
  stateSet: ["SharedStateNotMember", "SharedStateVersionMismatch"],
  stateDel: ["SharedStateNotMember", "SharedStateVersionMismatch", "SharedStateKeyNotFound"],
  message: ["MessageBusNotMember", "MessageBusRecipientNotMember", "MessageBusRateLimited"],
  lockAcquire: ["LockManagerNotMember", "LockManagerLockHeld"],
  lockRelease: ["LockManagerNotHolder", "LockManagerStaleToken"],
  campaign: ["LeaderElectionNotMember", "LeaderElectionSeatTaken"],
  heartbeat: ["LeaderElectionNotLeader", "LeaderElectionLeaseExpired", "LeaderElectionStaleTerm", "LeaderElectionUnknownTerm", "LeaderElectionNotMember"],
};

const lower = (a: string | null | undefined) => (a == null ? null : a.toLowerCase());
const str = (v: unknown) => (v == null ? null : String(v));
const show = (v: unknown) => JSON.stringify(v, (_k, x: unknown) => (typeof x === "bigint" ? x.toString() : x));

describe("random workload (e2e): REST and GraphQL equal the chain", () => {
  let stack: TestStack;
  let wallets: DevWalletClient[];
  let addresses: Record<string, Address>;
  const swarmIds: bigint[] = [];
  const taskIds: bigint[] = [];
  /** Task status as the events of our own transactions left it (lease expiry is lazy on chain too). */
  const taskStatus = new Map<bigint, string>();
  const outcomes: Record<string, { ok: number; reverted: Record<string, number> }> = {};
  const unexpected: string[] = [];
  let lastBlock = 0n;
  let commands: Command[] = [];
  const t0 = Date.now();

  const seedNote = () => `seed ${SEED} (rerun: CONCORD_E2E_SEED=${SEED} npx vitest run test/e2e/randomWorkload.test.ts)`;

  async function receiptOf(hash: Hex) {
    // Hardhat automines: the receipt exists as soon as the hash is returned (poll briefly just in case).
    for (let i = 0; ; i++) {
      const receipt = await stack.publicClient.getTransactionReceipt({ hash }).catch(() => undefined);
      if (receipt) return receipt;
      if (i > 200) throw new Error(`no receipt for ${hash}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  type Call = { address: Address; abi: Abi; functionName: string; args: readonly unknown[]; value?: bigint };
  type Sent = { ok: true; logs: { topics: Hex[]; data: Hex }[] } | { ok: false; error: string };

  /** Sends a transaction; a revert (at gas estimation or mined) comes back decoded, never thrown. */
  async function send(wallet: DevWalletClient, call: Call): Promise<Sent> {
    try {
      const hash = await wallet.writeContract(call as Parameters<DevWalletClient["writeContract"]>[0]);
      const receipt = await receiptOf(hash);
      if (receipt.blockNumber > lastBlock) lastBlock = receipt.blockNumber;
      if (receipt.status !== "success") return { ok: false, error: "mined-but-reverted" };
      for (const log of parseEventLogs({ abi: TaskBoardAbi, logs: receipt.logs })) {
        const kind = TASK_KINDS[log.eventName];
        if (!kind) continue;
        const args = log.args as Json;
        const next = kind === "posted" || kind === "released" || kind === "lease_expired" ? "open" : kind === "lease_renewed" ? "claimed" : kind;
        taskStatus.set(args.taskId as bigint, next);
      }
      return { ok: true, logs: receipt.logs as never };
    } catch (error) {
      const decoded = decodeConcordError(error);
      if (!decoded) return { ok: false, error: `undecodable: ${(error as Error).message.split("\n")[0]}` };
      return { ok: false, error: decoded.name, detail: formatConcordError(decoded) } as Sent;
    }
  }

  const c = (name: string, abi: Abi) => (functionName: string, args: readonly unknown[], value?: bigint): Call => ({
    address: addresses[name]!,
    abi,
    functionName,
    args,
    value,
  });
  let registry: ReturnType<typeof c>;
  let board: ReturnType<typeof c>;
  let state: ReturnType<typeof c>;
  let bus: ReturnType<typeof c>;
  let locks: ReturnType<typeof c>;
  let election: ReturnType<typeof c>;

  const read = <T,>(name: string, abi: Abi, functionName: string, args: readonly unknown[]) =>
    stack.publicClient.readContract({ address: addresses[name]!, abi, functionName, args }) as Promise<T>;
  type ChainTask = { swarmId: bigint; poster: Address; typeTag: Hex; priority: number; status: number; claimant: Address; epoch: bigint; leaseExpiry: number; deadline: number; leaseTtl: number; rewardToken: Address; rewardAmount: bigint };
  const getTask = (id: bigint) => read<ChainTask>("TaskBoard", TaskBoardAbi as Abi, "getTask", [id]);
  const addr = (i: number) => wallets[i]!.account.address;

  /** The chain head, uncached (viem caches getBlockNumber for pollingInterval ms: a stale head would leave the
   * last transactions out of the comparison while the indexer already has them). */
  async function head(): Promise<bigint> {
    const n = await stack.publicClient.getBlockNumber({ cacheTime: 0 });
    return n > lastBlock ? n : lastBlock;
  }

  async function now(): Promise<bigint> {
    return (await stack.publicClient.getBlock()).timestamp;
  }

  /** Runs one command; returns the outcome label. */
  async function run(cmd: Command): Promise<Sent | undefined> {
    // Four picks in five go to a task in the status the command wants (when there is one), the rest to any
    // task, so both the happy paths and the reverts are exercised; 10000 (unknown) while none was posted.
    const taskOf = (p: number, want?: string) => {
      if (taskIds.length === 0) return 10_000n;
      const candidates = want === undefined ? [] : taskIds.filter((id) => taskStatus.get(id) === want);
      if (p % 5 !== 0 && candidates.length > 0) return candidates[p % candidates.length]!;
      return taskIds[p % taskIds.length]!;
    };
    switch (cmd.k) {
      case "join":
        return send(wallets[cmd.agent]!, registry("join", [swarmIds[cmd.swarm], `ipfs://agent-${cmd.agent}`]));
      case "leave":
        return send(wallets[cmd.agent]!, registry("leave", [swarmIds[cmd.swarm]]));
      case "post": {
        const deadline = cmd.deadline === undefined ? 0n : (await now()) + BigInt(cmd.deadline);
        const reward = cmd.reward ?? 0n;
        const sent = await send(
          wallets[cmd.agent]!,
          board(
            "post",
            [
              {
                swarmId: swarmIds[cmd.swarm],
                typeTag: TYPES[cmd.type],
                priority: cmd.priority,
                leaseTtl: cmd.ttl,
                deadline,
                specURI: `ipfs://spec-${taskIds.length}`,
                specHash: keccak256(toHex(`spec-${taskIds.length}`)),
                rewardToken: zeroAddress,
                rewardAmount: reward,
              },
            ],
            reward,
          ),
        );
        if (sent.ok) taskIds.push(BigInt(await read<bigint>("TaskBoard", TaskBoardAbi as Abi, "taskCount", [])));
        return sent;
      }
      case "claim":
        return send(wallets[cmd.agent]!, board("claim", [taskOf(cmd.task, "open")]));
      case "claimNext":
        return send(wallets[cmd.agent]!, board("claimNext", [swarmIds[cmd.swarm], TYPES[cmd.type]]));
      case "claimBySig": {
        const signer = wallets[cmd.agent]!;
        const taskId = taskOf(cmd.task, "open");
        let nonce = await read<bigint>("TaskBoard", TaskBoardAbi as Abi, "nonces", [signer.account.address]);
        if (cmd.staleNonce) nonce = nonce > 0n ? nonce - 1n : nonce + 1n;
        const deadline = (await now()) + 3600n;
        const domain = concordDomain("TaskBoard", stack.chain.id, addresses.TaskBoard!);
        const signed = await signClaimTask(signer, domain, { taskId, claimant: signer.account.address, nonce, deadline });
        // Relayed by another agent (the relayer need not be a member).
        const relayer = wallets[cmd.relayer === cmd.agent ? (cmd.relayer + 1) % AGENTS : cmd.relayer]!;
        return send(relayer, board("claimBySig", [taskId, signer.account.address, nonce, deadline, signed.signature]));
      }
      case "renew":
      case "complete":
      case "release": {
        const taskId = taskOf(cmd.task, "claimed");
        let actor = wallets[cmd.other]!;
        let epoch = 1n;
        if (taskId <= BigInt(taskIds.length)) {
          const t = await getTask(taskId);
          epoch = cmd.stale ? (t.epoch > 1n ? t.epoch - 1n : t.epoch + 1n) : t.epoch;
          const holder = wallets.find((w) => w.account.address.toLowerCase() === t.claimant.toLowerCase());
          if (holder && !cmd.wrongActor) actor = holder;
        }
        if (cmd.k === "renew") return send(actor, board("renew", [taskId, epoch]));
        if (cmd.k === "release") return send(actor, board("release", [taskId, epoch]));
        return send(actor, board("complete", [taskId, epoch, `ipfs://result-${taskId}-${epoch}`, keccak256(toHex(`r${taskId}`))]));
      }
      case "expire":
        return send(wallets[cmd.agent]!, board("expire", [taskOf(cmd.task, cmd.task % 2 === 0 ? "claimed" : "open")]));
      case "cancel": {
        const taskId = taskOf(cmd.task, cmd.task % 2 === 0 ? "open" : "expired");
        let actor = wallets[cmd.other]!;
        if (cmd.byPoster && taskId <= BigInt(taskIds.length)) {
          const t = await getTask(taskId);
          actor = wallets.find((w) => w.account.address.toLowerCase() === t.poster.toLowerCase()) ?? actor;
        }
        return send(actor, board("cancel", [taskId]));
      }
      case "timeTravel": {
        const request = stack.publicClient.request as (args: { method: string; params: unknown[] }) => Promise<unknown>;
        await request({ method: "evm_increaseTime", params: [cmd.seconds] });
        await request({ method: "evm_mine", params: [] });
        lastBlock = await head();
        return undefined;
      }
      case "stateSet":
      case "stateDel": {
        const swarmId = swarmIds[cmd.swarm]!;
        const current = await read<bigint>("SharedState", SharedStateAbi as Abi, "version", [swarmId, KEYS[cmd.key]]);
        const expected = cmd.stale ? (current > 0n ? current - 1n : current + 1n) : current;
        if (cmd.k === "stateDel") return send(wallets[cmd.agent]!, state("del", [swarmId, KEYS[cmd.key], expected]));
        return send(wallets[cmd.agent]!, state("set", [swarmId, KEYS[cmd.key], toHex(cmd.value), expected]));
      }
      case "message": {
        const topic = stringToHex(`topic-${cmd.topic}`, { size: 32 });
        if (cmd.to === undefined) return send(wallets[cmd.agent]!, bus("broadcast", [swarmIds[cmd.swarm], topic, toHex(cmd.payload)]));
        return send(wallets[cmd.agent]!, bus("send", [swarmIds[cmd.swarm], addr(cmd.to), topic, toHex(cmd.payload)]));
      }
      case "lockAcquire":
        return send(wallets[cmd.agent]!, locks("acquire", [swarmIds[cmd.swarm], LOCKS[cmd.lock], cmd.ttl]));
      case "lockRelease": {
        const swarmId = swarmIds[cmd.swarm]!;
        const [holder, token] = await read<[Address, bigint, number]>("LockManager", LockManagerAbi as Abi, "getLock", [swarmId, LOCKS[cmd.lock]]);
        const actor =
          cmd.other !== undefined ? wallets[cmd.other]! : (wallets.find((w) => w.account.address.toLowerCase() === holder.toLowerCase()) ?? wallets[1]!);
        const t = cmd.stale ? (token > 1n ? token - 1n : token + 1n) : token;
        return send(actor, locks("release", [swarmId, LOCKS[cmd.lock], t]));
      }
      case "campaign":
        return send(wallets[cmd.agent]!, election("campaign", [swarmIds[cmd.swarm]]));
      case "heartbeat": {
        const swarmId = swarmIds[cmd.swarm]!;
        const [leader, term] = await read<[Address, bigint, number]>("LeaderElection", LeaderElectionAbi as Abi, "currentLeader", [swarmId]);
        const actor = wallets.find((w) => w.account.address.toLowerCase() === leader.toLowerCase()) ?? wallets[1]!;
        return send(actor, election("heartbeat", [swarmId, cmd.stale ? term + 1n : term]));
      }
    }
  }

  beforeAll(async () => {
    stack = await startStack({ accounts: AGENTS });
    wallets = stack.walletClients;
    addresses = stack.addresses;
    registry = c("SwarmRegistry", SwarmRegistryAbi as Abi);
    board = c("TaskBoard", TaskBoardAbi as Abi);
    state = c("SharedState", SharedStateAbi as Abi);
    bus = c("MessageBus", MessageBusAbi as Abi);
    locks = c("LockManager", LockManagerAbi as Abi);
    election = c("LeaderElection", LeaderElectionAbi as Abi);
    console.log(`[randomWorkload] stack up in ${Date.now() - t0} ms; ${seedNote()}`);

    // Setup (must succeed): swarm A open, swarm B allowlist (agents 1..3 allowed) with a claim cap of 2 and a
    // rate limit of 4 messages per 300 s; lease-mode elections in both.
    const owner = wallets[0]!;
    const must = async (label: string, call: Call) => {
      const sent = await send(owner, call);
      if (!sent.ok) throw new Error(`setup ${label} failed: ${show(sent)}`);
    };
    for (const policy of [0, 1]) {
      const before = await read<bigint>("SwarmRegistry", SwarmRegistryAbi as Abi, "swarmCount", []);
      await must("createSwarm", registry("createSwarm", [{ policy, gateKind: 0, gateToken: zeroAddress, gateMinBalance: 0n, metadataURI: `ipfs://swarm-${policy}` }, []]));
      swarmIds.push(before + 1n);
    }
    await must("setAllowlist", registry("setAllowlist", [swarmIds[1], [addr(1), addr(2), addr(3)], true]));
    await must("setClaimCap", board("setClaimCap", [swarmIds[1], 2]));
    await must("setRateLimit", bus("setRateLimit", [swarmIds[1], 4, 300]));
    for (const swarmId of swarmIds) await must("configure", election("configure", [swarmId, 1, 200, 0, 0]));
    // Agents 1..4 start in swarm A and 1..2 in swarm B (3 is allowlisted there but not joined; 4 and 5 are not
    // allowlisted), so most commands have a member to act and joins/leaves still change membership.
    for (const [swarm, agents] of [[0, [1, 2, 3, 4]], [1, [1, 2]]] as const) {
      for (const a of agents) {
        const sent = await send(wallets[a]!, registry("join", [swarmIds[swarm], `ipfs://agent-${a}`]));
        if (!sent.ok) throw new Error(`setup join failed: ${show(sent)}`);
      }
    }

    commands = fc.sample(fc.array(commandArb, { minLength: 150, maxLength: 250 }), { seed: SEED, numRuns: 1 })[0]!;
    const started = Date.now();
    for (const [i, cmd] of commands.entries()) {
      const sent = await run(cmd);
      const o = (outcomes[cmd.k] ??= { ok: 0, reverted: {} });
      if (sent === undefined || sent.ok) {
        o.ok++;
        continue;
      }
      o.reverted[sent.error] = (o.reverted[sent.error] ?? 0) + 1;
      if (!EXPECTED[cmd.k].includes(sent.error)) unexpected.push(`#${i} ${show(cmd)} → ${sent.error} ${(sent as Json).detail ?? ""}`);
    }
    lastBlock = await head();
    console.log(
      `[randomWorkload] ${commands.length} commands in ${Date.now() - started} ms, ${taskIds.length} tasks, last block ${lastBlock}; ${seedNote()}\n` +
        Object.entries(outcomes)
          .map(([k, o]) => `  ${k.padEnd(11)} ok ${String(o.ok).padStart(3)}  reverted ${show(o.reverted)}`)
          .join("\n"),
    );
    try {
      await stack.waitForIndexed(lastBlock);
    } catch (error) {
      const status = await fetch(stack.urls.status).then((r) => r.text()).catch((e: Error) => e.message);
      throw new Error(`${(error as Error).message}; indexer /status: ${status}; logs: ${stack.workDir}/logs (CONCORD_E2E_KEEP=1 keeps them); ${seedNote()}`, { cause: error });
    }
  }, 240_000);

  afterAll(async () => {
    await stack?.stop();
    console.log(`[randomWorkload] total ${Date.now() - t0} ms`);
  });

  async function rest(path: string): Promise<{ status: number; body: Json }> {
    const response = await fetch(stack.apiUrl + path);
    return { status: response.status, body: await response.json() };
  }
  async function ok(path: string): Promise<Json> {
    const { status, body } = await rest(path);
    if (status !== 200) throw new Error(`GET ${path} → ${status} ${show(body)}; ${seedNote()}`);
    return body;
  }
  /** Every page of a `{ items, nextCursor }` route, with a small page size so paging is exercised. */
  async function allPages(path: string, cursorParam: "cursor" | "after", limit: number): Promise<Json[]> {
    const items: Json[] = [];
    let cursor: string | null = null;
    const sep = path.includes("?") ? "&" : "?";
    for (let pages = 0; ; pages++) {
      if (pages > 1000) throw new Error(`paging ${path} does not end`);
      const page: Json = await ok(`${path}${sep}limit=${limit}${cursor === null ? "" : `&${cursorParam}=${cursor}`}`);
      if (page.items.length > limit) throw new Error(`${path}: page larger than limit`);
      items.push(...page.items);
      if (page.nextCursor === null) return items;
      cursor = page.nextCursor;
    }
  }
  /** Every page of a Ponder GraphQL list. */
  async function gqlAll(field: string, where: string, selection: string): Promise<Json[]> {
    const items: Json[] = [];
    let after: string | null = null;
    for (;;) {
      const data: Json = await stack.graphql(
        `query ($after: String) { ${field}(where: ${where}, limit: 50, after: $after) { items { ${selection} } pageInfo { hasNextPage endCursor } } }`,
        { after },
      );
      items.push(...data[field].items);
      if (!data[field].pageInfo.hasNextPage) return items;
      after = data[field].pageInfo.endCursor;
    }
  }

  /** Collects `what: chain=… api=…` lines; asserts there are none with the seed in the message. */
  function differ() {
    const diffs: string[] = [];
    return {
      eq(what: string, chain: unknown, api: unknown) {
        if (show(chain) !== show(api)) diffs.push(`${what}: chain=${show(chain)} api=${show(api)}`);
      },
      check(title: string) {
        expect(diffs, `${title}: ${diffs.length} difference(s), ${seedNote()}\n  ${diffs.slice(0, 60).join("\n  ")}`).toEqual([]);
      },
    };
  }

  it("reverts only with the custom errors each command may hit", () => {
    expect(commands.length).toBeGreaterThanOrEqual(150);
    expect(unexpected, `unexpected reverts, ${seedNote()}:\n${unexpected.join("\n")}`).toEqual([]);
    // The workload did something: tasks were posted and claimed, and some commands reverted.
    expect(taskIds.length, seedNote()).toBeGreaterThan(0);
  });

  it("tasks: GET /v1/tasks/:id, /v1/swarms/:id/tasks (all pages) and GraphQL equal getTask; history claims equal TaskClaimed logs", async () => {
    const d = differ();
    const count = await read<bigint>("TaskBoard", TaskBoardAbi as Abi, "taskCount", []);
    d.eq("taskCount", count, BigInt(taskIds.length));
    const chainTasks = new Map<string, ChainTask>();
    for (let id = 1n; id <= count; id++) chainTasks.set(id.toString(), await getTask(id));

    // Every TaskBoard task event on chain, grouped by task id, in chain order.
    const logs = await stack.publicClient.getContractEvents({ address: addresses.TaskBoard!, abi: TaskBoardAbi, fromBlock: 0n, toBlock: lastBlock });
    const chainHistory = new Map<string, { kind: string; epoch: string | null }[]>();
    for (const log of logs) {
      const kind = TASK_KINDS[log.eventName];
      if (!kind) continue;
      const args = log.args as Json;
      const list = chainHistory.get(String(args.taskId)) ?? [];
      list.push({ kind, epoch: args.epoch === undefined ? null : String(args.epoch) });
      chainHistory.set(String(args.taskId), list);
    }

    const expectTask = (t: ChainTask) => {
      const status = TASK_STATUS[t.status]!;
      return {
        swarmId: t.swarmId.toString(),
        poster: lower(t.poster),
        typeTag: lower(t.typeTag),
        priority: t.priority,
        status,
        claimant: status === "claimed" || status === "completed" ? lower(t.claimant) : null,
        epoch: t.epoch.toString(),
        leaseExpiry: status === "claimed" ? String(t.leaseExpiry) : null,
        deadline: String(t.deadline),
        leaseTtl: String(t.leaseTtl),
        rewardAmount: t.rewardAmount.toString(),
      };
    };
    const pickFields = (row: Json) => ({
      swarmId: str(row.swarmId),
      poster: lower(row.poster),
      typeTag: lower(row.typeTag),
      priority: Number(row.priority),
      status: row.status,
      claimant: lower(row.claimant),
      epoch: str(row.epoch),
      leaseExpiry: row.status === "claimed" ? str(row.leaseExpiry) : null,
      deadline: str(row.deadline),
      leaseTtl: str(row.leaseTtl),
      rewardAmount: str(row.rewardAmount),
    });
    const compareTask = (where: string, id: string, row: Json | undefined) => {
      if (!row) return d.eq(`${where} task ${id}`, "present", "missing");
      const want = expectTask(chainTasks.get(id)!);
      const got = pickFields(row);
      for (const key of Object.keys(want) as (keyof typeof want)[]) d.eq(`${where} task ${id} ${key}`, want[key], got[key]);
    };

    // GET /v1/tasks/:id with its history.
    for (const [id] of chainTasks) {
      const body = await ok(`/v1/tasks/${id}`);
      compareTask("REST /v1/tasks/:id", id, body);
      const history = (body.history as Json[]).map((h) => ({ kind: h.kind, epoch: h.kind === "posted" || h.kind === "expired" || h.kind === "cancelled" ? null : str(h.epoch) }));
      const chain = chainHistory.get(id) ?? [];
      d.eq(`task ${id} claim transitions (history vs TaskClaimed logs)`, chain.filter((h) => h.kind === "claimed").length, history.filter((h) => h.kind === "claimed").length);
      d.eq(`task ${id} history kinds`, chain.map((h) => h.kind), history.map((h) => h.kind));
      d.eq(`task ${id} history epochs`, chain.map((h) => h.epoch), history.map((h) => h.epoch));
    }
    const unknown = await rest(`/v1/tasks/${count + 1n}`);
    d.eq("GET /v1/tasks/<taskCount+1> status", 404, unknown.status);

    // Per swarm: all pages of /v1/swarms/:id/tasks and GraphQL tasks.
    for (const swarmId of swarmIds) {
      const ids = [...chainTasks].filter(([, t]) => t.swarmId === swarmId).map(([id]) => id);
      const pages = await allPages(`/v1/swarms/${swarmId}/tasks`, "cursor", 7);
      d.eq(`swarm ${swarmId} REST task ids`, ids, pages.map((r) => r.id));
      for (const row of pages) if (chainTasks.has(row.id)) compareTask(`REST /v1/swarms/${swarmId}/tasks`, row.id, row);
      const gql = await gqlAll(`tasks`, `{ swarmId: "${swarmId}" }`, "id swarmId poster typeTag priority status claimant epoch leaseExpiry deadline leaseTtl rewardAmount");
      const byId = new Map(gql.map((r) => [String(r.id), r]));
      d.eq(`swarm ${swarmId} GraphQL task ids`, ids, [...byId.keys()].sort((a, b) => Number(a) - Number(b)));
      for (const id of ids) compareTask("GraphQL tasks", id, byId.get(id));
      // Status filter: open tasks as the chain says.
      const open = ids.filter((id) => chainTasks.get(id)!.status === 1);
      d.eq(`swarm ${swarmId} REST ?status=open`, open, (await allPages(`/v1/swarms/${swarmId}/tasks?status=open`, "cursor", 5)).map((r) => r.id));
    }
    d.check("tasks");
  });

  it("members: GET /v1/swarms/:id/members and GraphQL equal isMember / memberCount", async () => {
    const d = differ();
    for (const swarmId of swarmIds) {
      const chainMembers: string[] = [];
      for (const w of wallets) {
        if (await read<boolean>("SwarmRegistry", SwarmRegistryAbi as Abi, "isMember", [swarmId, w.account.address])) chainMembers.push(w.account.address.toLowerCase());
      }
      chainMembers.sort();
      const memberCount = await read<bigint>("SwarmRegistry", SwarmRegistryAbi as Abi, "memberCount", [swarmId]);
      d.eq(`swarm ${swarmId} memberCount vs isMember of the dev accounts`, memberCount, BigInt(chainMembers.length));
      const swarm = await ok(`/v1/swarms/${swarmId}`);
      d.eq(`swarm ${swarmId} REST memberCount`, memberCount.toString(), swarm.memberCount);
      const restMembers = await allPages(`/v1/swarms/${swarmId}/members`, "cursor", 2);
      d.eq(`swarm ${swarmId} REST active members`, chainMembers, restMembers.map((m) => lower(m.address)));
      const all = await allPages(`/v1/swarms/${swarmId}/members?status=all`, "cursor", 3);
      for (const m of all) d.eq(`swarm ${swarmId} REST member ${m.address} active`, chainMembers.includes(lower(m.address)!), m.active);
      const gql = await gqlAll("members", `{ swarmId: "${swarmId}", active: true }`, "address active");
      d.eq(`swarm ${swarmId} GraphQL active members`, chainMembers, gql.map((m) => lower(m.address)).sort());
      const gqlSwarm: Json = await stack.graphql(`query ($id: BigInt!) { swarm(id: $id) { memberCount } }`, { id: swarmId.toString() });
      d.eq(`swarm ${swarmId} GraphQL memberCount`, memberCount.toString(), str(gqlSwarm.swarm?.memberCount));
    }
    d.check("members");
  });

  it("state keys: GET /v1/swarms/:id/state/:key and GraphQL equal SharedState get/version", async () => {
    const d = differ();
    for (const swarmId of swarmIds) {
      for (const key of KEYS) {
        const [value, version, exists] = await read<[Hex, bigint, boolean]>("SharedState", SharedStateAbi as Abi, "get", [swarmId, key]);
        const { status, body } = await rest(`/v1/swarms/${swarmId}/state/${key}`);
        if (version === 0n) {
          d.eq(`swarm ${swarmId} key ${key} (never written) status`, 404, status);
          continue;
        }
        d.eq(`swarm ${swarmId} key ${key} REST status`, 200, status);
        d.eq(`swarm ${swarmId} key ${key} REST version`, version.toString(), body.version);
        d.eq(`swarm ${swarmId} key ${key} REST deleted`, !exists, body.deleted);
        d.eq(`swarm ${swarmId} key ${key} REST value`, exists ? lower(value) : null, lower(body.value));
        const gql: Json = await stack.graphql(`query ($s: BigInt!, $k: String!) { stateKey(swarmId: $s, key: $k) { version deleted value } }`, {
          s: swarmId.toString(),
          k: key,
        });
        d.eq(`swarm ${swarmId} key ${key} GraphQL`, { version: version.toString(), deleted: !exists }, { version: str(gql.stateKey?.version), deleted: gql.stateKey?.deleted });
      }
    }
    d.check("state");
  });

  it("messages: GET /v1/swarms/:id/messages (all pages) equal lastMessageId and the chain's message logs", async () => {
    const d = differ();
    const logs = [
      ...(await stack.publicClient.getContractEvents({ address: addresses.MessageBus!, abi: MessageBusAbi, eventName: "MessageBroadcast", fromBlock: 0n, toBlock: lastBlock })),
      ...(await stack.publicClient.getContractEvents({ address: addresses.MessageBus!, abi: MessageBusAbi, eventName: "DirectMessageSent", fromBlock: 0n, toBlock: lastBlock })),
    ];
    for (const swarmId of swarmIds) {
      const last = await read<bigint>("MessageBus", MessageBusAbi as Abi, "lastMessageId", [swarmId]);
      const chain = logs
        .map((l) => ({ name: l.eventName, args: l.args as Json }))
        .filter((l) => l.args.swarmId === swarmId)
        .map((l) => ({
          messageId: String(l.args.messageId),
          kind: l.name === "MessageBroadcast" ? "broadcast" : "direct",
          sender: lower(l.args.sender ?? l.args.from),
          recipient: l.name === "MessageBroadcast" ? null : lower(l.args.recipient ?? l.args.to),
          payload: lower(l.args.payload),
        }))
        .sort((a, b) => Number(a.messageId) - Number(b.messageId));
      d.eq(`swarm ${swarmId} message logs vs lastMessageId`, Number(last), chain.length);
      const pages = await allPages(`/v1/swarms/${swarmId}/messages`, "after", 7);
      d.eq(`swarm ${swarmId} REST message count`, Number(last), pages.length);
      d.eq(`swarm ${swarmId} REST message ids`, Array.from({ length: Number(last) }, (_, i) => String(i + 1)), pages.map((m) => m.messageId));
      const api = pages.map((m) => ({ messageId: m.messageId, kind: m.kind, sender: lower(m.sender), recipient: lower(m.recipient), payload: lower(m.payload) }));
      for (let i = 0; i < Math.max(chain.length, api.length); i++) d.eq(`swarm ${swarmId} message #${i + 1}`, chain[i], api[i]);
      const after = await ok(`/v1/swarms/${swarmId}/messages?after=${last}`);
      d.eq(`swarm ${swarmId} messages after the last id`, [], after.items);
    }
    d.check("messages");
  });

  it("locks and leaders: GET /v1/locks/:id and /v1/swarms/:id/leader equal getLock / currentLeader", async () => {
    const d = differ();
    for (const swarmId of swarmIds) {
      for (const name of LOCKS) {
        const [holder, token, expiresAt] = await read<[Address, bigint, number]>("LockManager", LockManagerAbi as Abi, "getLock", [swarmId, name]);
        const { status, body } = await rest(`/v1/locks/${swarmId}:${name}`);
        if (token === 0n) {
          d.eq(`lock ${swarmId}:${name} (never acquired) status`, 404, status);
          continue;
        }
        d.eq(`lock ${swarmId}:${name} REST`, { token: token.toString(), holder: holder === zeroAddress ? null : lower(holder), expiresAt: holder === zeroAddress ? null : String(expiresAt) }, {
          token: body.token,
          holder: lower(body.holder),
          expiresAt: body.holder == null ? null : str(body.expiresAt),
        });
      }
      const [leader, term, leaseExpiresAt] = await read<[Address, bigint, number]>("LeaderElection", LeaderElectionAbi as Abi, "currentLeader", [swarmId]);
      const body = await ok(`/v1/swarms/${swarmId}/leader`);
      d.eq(`leader of swarm ${swarmId} REST`, { leader: leader === zeroAddress ? null : lower(leader), term: term.toString(), leaseExpiresAt: leader === zeroAddress ? null : String(leaseExpiresAt) }, {
        leader: lower(body.leader),
        term: body.term,
        leaseExpiresAt: body.leader == null ? null : str(body.leaseExpiresAt),
      });
    }
    d.check("locks/leaders");
  });
});
