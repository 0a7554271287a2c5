/**
 * The unified feed (GET /v1/events) and the subscription routes (GET /v1/subscriptions[/:id]) against a real
 * chain (stack harness: Hardhat node + Ignition deployment + Ponder on PGlite). Transactions go to
 * SwarmRegistry, TaskBoard, SharedState, MessageBus, LockManager, LeaderElection and SubscriptionRegistry;
 * then the feed must be exactly the chain's logs of the Concord contracts, in chain order, with the right
 * types, members and fencing tokens, whatever the page size and filters.
 */
import {
  type Abi,
  type Address,
  type Hash,
  type Log,
  decodeEventLog,
  keccak256,
  stringToHex,
  toHex,
  zeroAddress,
} from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { concordAbis } from "../../indexer/abis/index.ts";
import { type EventBody, KIND_BITS } from "../../indexer/src/lib/eventBody.ts";
import { type DevWalletClient, type TestStack, startStack } from "../e2e/harness.ts";

type Json = any; // eslint-disable-line @typescript-eslint/no-explicit-any

const bytes32 = (s: string) => stringToHex(s, { size: 32 });
const lower = (a: string) => a.toLowerCase();

/** Solidity event name → feed type (for the events this test causes). */
const TYPE_OF: Record<string, string> = {
  SwarmCreated: "swarm.created",
  SwarmAdminUpdated: "swarm.admin_updated",
  MemberJoined: "member.joined",
  MemberLeft: "member.left",
  TaskPosted: "task.posted",
  TaskClaimed: "task.claimed",
  TaskReleased: "task.released",
  TaskCompleted: "task.completed",
  StateSet: "state.set",
  DirectMessageSent: "message.direct",
  MessageBroadcast: "message.broadcast",
  LockAcquired: "lock.acquired",
  LockReleased: "lock.released",
  LeaderElectionConfigured: "leader.configured",
  LeaderElected: "leader.elected",
  LeaderHeartbeat: "leader.heartbeat",
  SubscriptionCreated: "subscription.created",
  SubscriptionPaused: "subscription.paused",
  SubscriptionResumed: "subscription.resumed",
  SubscriptionEndpointUpdated: "subscription.endpoint_updated",
  SubscriptionCancelled: "subscription.cancelled",
  AttestorUpdated: "attestation.attestor_updated",
};

describe("unified feed GET /v1/events and GET /v1/subscriptions against the chain", () => {
  let stack: TestStack;
  let owner: DevWalletClient;
  let alice: DevWalletClient;
  let bob: DevWalletClient;
  let lastBlock = 0n;
  /** The chain's logs of every Concord contract, in chain order, decoded. */
  let chainLogs: { log: Log; eventName: string; args: Record<string, unknown>; contract: string }[] = [];
  let all: EventBody[] = [];
  const hashes: Record<string, Hash> = {};

  async function send(
    label: string,
    wallet: DevWalletClient,
    contract: string,
    functionName: string,
    args: readonly unknown[],
    value?: bigint,
  ) {
    const hash = await wallet.writeContract({
      address: stack.addresses[contract]!,
      abi: concordAbis[contract as keyof typeof concordAbis] as Abi,
      functionName,
      args,
      value,
    } as Parameters<DevWalletClient["writeContract"]>[0]);
    const receipt = await stack.publicClient.waitForTransactionReceipt({ hash });
    expect(receipt.status, label).toBe("success");
    hashes[label] = hash;
    if (receipt.blockNumber > lastBlock) lastBlock = receipt.blockNumber;
  }

  async function get(path: string): Promise<{ status: number; body: Json }> {
    const response = await fetch(stack.apiUrl + path);
    expect(response.headers.get("content-type")).toMatch(/application\/json/);
    return { status: response.status, body: await response.json() };
  }

  async function ok(path: string): Promise<Json> {
    const { status, body } = await get(path);
    expect(status, `${path} → ${JSON.stringify(body)}`).toBe(200);
    return body;
  }

  /** Walks the feed with `query` in pages of `limit`; checks the cursor contract on the way. */
  async function walk(query: string, limit: number): Promise<EventBody[]> {
    const items: EventBody[] = [];
    let after = "";
    for (let guard = 0; guard < 500; guard++) {
      const page = await ok(`/v1/events?limit=${limit}&after=${after}${query}`);
      expect(page.items.length).toBeLessThanOrEqual(limit);
      items.push(...page.items);
      const expected = page.items.length > 0 ? page.items[page.items.length - 1].id : after === "" ? null : after;
      expect(page.nextCursor).toBe(expected);
      if (!page.hasMore) return items;
      expect(page.items).toHaveLength(limit);
      after = page.nextCursor;
    }
    throw new Error("feed did not end");
  }

  beforeAll(async () => {
    stack = await startStack({ accounts: 4 });
    [owner, alice, bob] = stack.walletClients as [DevWalletClient, DevWalletClient, DevWalletClient];
    const open = { policy: 0, gateKind: 0, gateToken: zeroAddress, gateMinBalance: 0n, metadataURI: "" };

    await send("swarm1", owner, "SwarmRegistry", "createSwarm", [open, []]);
    await send("aliceJoin", alice, "SwarmRegistry", "join", [1n, "ipfs://alice"]);
    await send("bobJoin", bob, "SwarmRegistry", "join", [1n, ""]);
    await send("swarm2", bob, "SwarmRegistry", "createSwarm", [open, []]);

    const task = {
      swarmId: 1n,
      typeTag: bytes32("review"),
      priority: 1,
      leaseTtl: 600,
      deadline: 0,
      specURI: "ipfs://spec",
      specHash: keccak256(toHex("spec")),
      rewardToken: zeroAddress,
      rewardAmount: 0n,
    };
    await send("post", owner, "TaskBoard", "post", [task]);
    await send("claimA", alice, "TaskBoard", "claim", [1n]);
    await send("release", alice, "TaskBoard", "release", [1n, 1n]);
    await send("claimB", bob, "TaskBoard", "claim", [1n]);
    await send("complete", bob, "TaskBoard", "complete", [1n, 2n, "ipfs://result", keccak256(toHex("result"))]);
    await send("set", alice, "SharedState", "set", [1n, bytes32("config"), "0x1234", 0n]);
    await send("dm", owner, "MessageBus", "send", [1n, bob.account.address, bytes32("dm"), "0xbeef"]);
    await send("broadcast2", bob, "MessageBus", "broadcast", [2n, bytes32("hi"), "0x01"]);
    await send("lockA", alice, "LockManager", "acquire", [1n, bytes32("db"), 600]);
    await send("unlockA", alice, "LockManager", "release", [1n, bytes32("db"), 1n]);
    await send("lockB", bob, "LockManager", "acquire", [1n, bytes32("db"), 600]);
    await send("configure", owner, "LeaderElection", "configure", [1n, 1, 600, 0, 0]);
    await send("campaign", alice, "LeaderElection", "campaign", [1n]);
    await send("heartbeat", alice, "LeaderElection", "heartbeat", [1n, 1n]);
    await send("stake", alice, "Staking", "stake", [1n, 10n ** 18n], 10n ** 18n);
    const now = (await stack.publicClient.getBlock()).timestamp;
    await send("propose", alice, "Proposals", "create", [
      {
        swarmId: 1n,
        descriptionURI: "ipfs://p1",
        descriptionHash: keccak256(toHex("ipfs://p1")),
        optionCount: 2,
        voteStart: 0,
        voteEnd: Number(now + 3_600n),
        revealEnd: 0,
        votingMode: 0,
        weighting: 0,
        quorumBps: 5_000,
        thresholdKind: 0,
        thresholdBps: 0,
        excludeFlagged: false,
        action: { target: zeroAddress, value: 0n, data: "0x" },
      },
    ]);
    await send("vote", owner, "Proposals", "castVote", [1n, 1]);

    const swarmFilter = (kinds: number, member: Address) => ({ swarmId: 1n, kinds, member, rawAddress: zeroAddress, topics: [] });
    const immediate = { confirmations: 0, mode: 0, ordered: true };
    await send("sub1", alice, "SubscriptionRegistry", "subscribe", [
      swarmFilter(KIND_BITS.task | KIND_BITS.lock, alice.account.address),
      "https://alice.example/hook",
      "alice",
      immediate,
    ]);
    await send("sub2", bob, "SubscriptionRegistry", "subscribe", [
      { swarmId: 0n, kinds: KIND_BITS.raw, member: zeroAddress, rawAddress: stack.addresses.TaskBoard!, topics: [keccak256(toHex("x"))] },
      "http://bob.example/raw",
      "",
      { confirmations: 5, mode: 2, ordered: false },
    ]);
    await send("sub3", bob, "SubscriptionRegistry", "subscribe", [
      swarmFilter(KIND_BITS.swarm, zeroAddress),
      "https://bob.example/swarm",
      "swarm watch",
      { confirmations: 2, mode: 1, ordered: true },
    ]);
    await send("pause1", alice, "SubscriptionRegistry", "pause", [1n]);
    await send("move1", alice, "SubscriptionRegistry", "updateEndpoint", [1n, "https://alice.example/v2"]);
    await send("resume1", alice, "SubscriptionRegistry", "resume", [1n]);
    await send("pause3", bob, "SubscriptionRegistry", "pause", [3n]);
    await send("cancel2", bob, "SubscriptionRegistry", "cancel", [2n]);
    await send("leave", bob, "SwarmRegistry", "leave", [1n]);

    // Every log of every Concord contract, decoded with its contract's ABI, in chain order.
    const byAddress = new Map(Object.entries(stack.addresses).map(([name, address]) => [lower(address), name]));
    const logs = await stack.publicClient.getLogs({ address: Object.values(stack.addresses), fromBlock: 0n, toBlock: lastBlock });
    chainLogs = logs
      .sort((a, b) => Number(a.blockNumber! - b.blockNumber!) || a.logIndex! - b.logIndex!)
      .map((log) => {
        const contract = byAddress.get(lower(log.address))!;
        const decoded = decodeEventLog({ abi: concordAbis[contract as keyof typeof concordAbis] as Abi, data: log.data, topics: log.topics });
        return { log, eventName: decoded.eventName!, args: decoded.args as unknown as Record<string, unknown>, contract };
      });

    // Wait until the indexer has indexed the last block.
    const deadline = Date.now() + 60_000;
    for (;;) {
      const status = (await (await fetch(`${stack.apiUrl}/status`)).json()) as Record<string, { block: { number: number } }>;
      if (BigInt(Object.values(status)[0]?.block.number ?? 0) >= lastBlock) break;
      if (Date.now() > deadline) throw new Error("indexer did not reach the last block");
      await new Promise((r) => setTimeout(r, 100));
    }
    all = (await ok("/v1/events?limit=1000")).items;
  }, 240_000);

  afterAll(async () => {
    await stack?.stop();
  });

  it("the feed is exactly the chain's Concord logs, in chain order, with their chain cursors", async () => {
    // The logs no handler indexes: OpenZeppelin Ownable's OwnershipTransferred of the Ownable contracts'
    // constructors. Attestations' constructor AttestorUpdated (the deployer) is indexed like any log
    // (test/indexer/time.api.test.ts covers the time contracts' events).
    const isUnindexed = (l: (typeof chainLogs)[number]) => l.eventName === "OwnershipTransferred";
    const unindexed = chainLogs.filter(isUnindexed);
    expect(unindexed.map((l) => `${l.contract}.${l.eventName}`).sort()).toEqual([
      "Attestations.OwnershipTransferred",
      "Staking.OwnershipTransferred",
    ]);
    chainLogs = chainLogs.filter((l) => !isUnindexed(l));
    expect(all.length).toBe(chainLogs.length);
    expect(all.map((e) => e.id)).toEqual([...all.map((e) => e.id)].sort());
    all.forEach((item, i) => {
      const { log, eventName, contract } = chainLogs[i]!;
      expect(item.id).toMatch(/^[0-9]{75}$/);
      expect(item).toMatchObject({
        chainId: 31337,
        blockNumber: log.blockNumber!.toString(),
        blockHash: log.blockHash,
        txHash: log.transactionHash,
        txIndex: log.transactionIndex,
        logIndex: log.logIndex,
        contract,
        address: lower(log.address),
      });
      if (TYPE_OF[eventName] !== undefined) expect(item.type, eventName).toBe(TYPE_OF[eventName]);
      expect(item.blockTimestamp).toMatch(/^[0-9]+$/);
    });
    // The deployment's own logs (Staking trusting its ballot sources) are in the feed as well.
    expect(all.filter((e) => e.type === "stake.ballot_source_set")).toHaveLength(2);
    expect(all.filter((e) => e.type === "attestation.attestor_updated")).toMatchObject([
      { contract: "Attestations", swarmId: null, members: [lower(owner.account.address)], data: { allowed: true } },
    ]);
    const example = all.find((e) => e.type === "task.claimed");
    console.log("feed body example:", JSON.stringify(example));
  });

  it("bodies carry members, fencing tokens and decoded args", async () => {
    const a = lower(alice.account.address);
    const b = lower(bob.account.address);
    const o = lower(owner.account.address);
    const claims = all.filter((e) => e.type === "task.claimed");
    expect(claims.map((e) => [e.members, e.fencingToken, e.txHash])).toEqual([
      [[a, o], { kind: "epoch", value: "1" }, hashes.claimA],
      [[b, o], { kind: "epoch", value: "2" }, hashes.claimB],
    ]);
    expect(all.find((e) => e.type === "task.released")!.fencingToken).toEqual({ kind: "epoch", value: "1" });
    expect(all.find((e) => e.type === "task.completed")).toMatchObject({
      fencingToken: { kind: "epoch", value: "2" },
      data: { taskId: "1", epoch: "2", resultURI: "ipfs://result", status: "completed" },
    });
    expect(all.find((e) => e.type === "task.posted")).toMatchObject({ fencingToken: null, members: [o], swarmId: "1" });
    const locks = all.filter((e) => e.type.startsWith("lock."));
    expect(locks.map((e) => [e.type, e.members, e.fencingToken!.value])).toEqual([
      ["lock.acquired", [a], "1"],
      ["lock.released", [a], "1"],
      ["lock.acquired", [b], "2"],
    ]);
    expect(locks.every((e) => e.fencingToken!.kind === "lock_token")).toBe(true);
    const leader = all.filter((e) => e.type.startsWith("leader."));
    expect(leader.map((e) => [e.type, e.fencingToken])).toEqual([
      ["leader.configured", null],
      ["leader.elected", { kind: "term", value: "1" }],
      ["leader.heartbeat", { kind: "term", value: "1" }],
    ]);
    expect(leader[0]!.data).toMatchObject({ mode: "lease", quorumKind: "majority", weighting: "head", leaseDuration: 600 });
    expect(leader[1]!.data).toMatchObject({ how: "campaign", leader: a });
    const stakeEvents = all.filter((e) => e.type.startsWith("stake.") && e.swarmId === "1");
    expect(stakeEvents.map((e) => [e.type, e.members, e.txHash])).toEqual([
      ["stake.token_set", [a], hashes.stake],
      ["stake.staked", [a], hashes.stake],
    ]);
    expect(stakeEvents[1]!.data).toMatchObject({ amount: (10n ** 18n).toString(), member: a });
    const proposalEvents = all.filter((e) => e.type.startsWith("proposal."));
    expect(proposalEvents.map((e) => [e.type, e.members, e.swarmId, e.fencingToken])).toEqual([
      ["proposal.created", [a], "1", null],
      ["proposal.vote_cast", [o, a], "1", null],
    ]);
    expect(proposalEvents[0]!.data).toMatchObject({ proposalId: "1", descriptionURI: "ipfs://p1", config: { optionCount: 2 } });
    expect(all.find((e) => e.type === "message.direct")).toMatchObject({ members: [o, b], data: { payload: "0xbeef" } });
    expect(all.find((e) => e.type === "message.broadcast")).toMatchObject({ swarmId: "2", members: [b] });
    expect(all.find((e) => e.type === "state.set")).toMatchObject({ members: [a], data: { value: "0x1234", version: "1" } });
    const created = all.find((e) => e.type === "swarm.created")!;
    expect(created).toMatchObject({ swarmId: "1", members: [o], data: { policy: "open", gateKind: "none" } });
    const subCreated = all.filter((e) => e.type === "subscription.created");
    expect(subCreated.map((e) => [e.swarmId, e.members])).toEqual([
      ["1", [a]],
      [null, [b]],
      ["1", [b]],
    ]);
    expect(subCreated[1]!.data).toMatchObject({ kinds: KIND_BITS.raw, mode: "both", kindNames: ["raw"], endpoint: "http://bob.example/raw" });
  });

  it("paging with after/limit returns the same sequence for every page size", async () => {
    for (const limit of [1, 3, 7]) {
      expect((await walk("", limit)).map((e) => e.id), `limit ${limit}`).toEqual(all.map((e) => e.id));
    }
    // Past the end: empty page, the cursor comes back unchanged.
    const last = all[all.length - 1]!.id;
    expect(await ok(`/v1/events?after=${last}`)).toEqual({ items: [], nextCursor: last, hasMore: false });
    // From the middle.
    const mid = all[10]!.id;
    expect((await ok(`/v1/events?after=${mid}&limit=1000`)).items).toEqual(all.slice(11));
  });

  it("filters: swarm, member, types (and their combination) select exactly the matching events", async () => {
    const check = async (query: string, predicate: (e: EventBody) => boolean) => {
      const expected = all.filter(predicate).map((e) => e.id);
      expect(expected.length, query).toBeGreaterThan(0);
      expect((await walk(query, 2)).map((e) => e.id), query).toEqual(expected);
    };
    const a = lower(alice.account.address);
    await check("&swarm=1", (e) => e.swarmId === "1");
    await check("&swarm=2", (e) => e.swarmId === "2");
    await check(`&member=${alice.account.address}`, (e) => e.members.includes(a as `0x${string}`));
    await check("&types=task.*", (e) => e.type.startsWith("task."));
    await check("&types=lock.acquired,member.*", (e) => e.type === "lock.acquired" || e.type.startsWith("member."));
    await check(`&swarm=1&member=${a}&types=task.*,lock.*`, (e) => e.swarmId === "1" && e.members.includes(a as `0x${string}`) && /^(task|lock)\./.test(e.type));
    expect((await ok(`/v1/events?member=${a}&types=task.claimed`)).items.map((e: EventBody) => e.fencingToken!.value)).toEqual(["1"]);
    expect(await ok("/v1/events?types=schedule.*")).toEqual({ items: [], nextCursor: null, hasMore: false });
  });

  it("400 / 404 JSON errors", async () => {
    for (const [path, param] of [
      ["/v1/events?after=123", "after"],
      ["/v1/events?limit=0", "limit"],
      ["/v1/events?types=task.claim", "types"],
      ["/v1/events?member=alice", "member"],
      ["/v1/events?swarm=x", "swarm"],
      ["/v1/subscriptions?active=1", "active"],
      ["/v1/subscriptions/abc", "id"],
    ] as const) {
      const { status, body } = await get(path);
      expect(status, path).toBe(400);
      expect(body.error.code).toBe("invalid_parameter");
      expect(body.error.details.issues[0].param).toBe(param);
    }
    const missing = await get("/v1/events?swarm=99");
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe("swarm_not_found");
    const noSub = await get("/v1/subscriptions/4");
    expect(noSub.status).toBe(404);
    expect(noSub.body).toEqual({ error: { code: "subscription_not_found", message: "Subscription 4 does not exist", details: { subscriptionId: "4" } } });
  });

  it("GET /v1/subscriptions/:id reflects subscribe / pause / updateEndpoint / resume / cancel", async () => {
    const a = lower(alice.account.address);
    const b = lower(bob.account.address);
    const s1 = await ok("/v1/subscriptions/1");
    const eventOf = (label: string) => all.find((e) => e.txHash === hashes[label])!;
    expect(s1).toMatchObject({
      id: "1",
      owner: a,
      swarmId: "1",
      kinds: KIND_BITS.task | KIND_BITS.lock,
      kindNames: ["task", "lock"],
      member: a,
      rawAddress: null,
      topics: [],
      endpoint: "https://alice.example/v2",
      label: "alice",
      status: "active",
      confirmations: 0,
      mode: "immediate",
      ordered: true,
      pausedAt: null,
      createdTxHash: hashes.sub1,
      createdEventId: eventOf("sub1").id,
      updatedEventId: eventOf("resume1").id,
      updatedTxHash: hashes.resume1,
    });
    expect(s1.createdBlock).toBe(eventOf("sub1").blockNumber);
    expect(await ok("/v1/subscriptions/2")).toMatchObject({
      owner: b,
      swarmId: null,
      kinds: KIND_BITS.raw,
      kindNames: ["raw"],
      member: null,
      rawAddress: lower(stack.addresses.TaskBoard!),
      topics: [keccak256(toHex("x"))],
      endpoint: "http://bob.example/raw",
      status: "cancelled",
      confirmations: 5,
      mode: "both",
      ordered: false,
      updatedEventId: eventOf("cancel2").id,
    });
    expect(await ok("/v1/subscriptions/3")).toMatchObject({
      kindNames: ["swarm"],
      status: "paused",
      mode: "after_confirmations",
      confirmations: 2,
      label: "swarm watch",
    });
    expect((await ok("/v1/subscriptions/3")).pausedAt).toMatch(/^[0-9]+$/);
  });

  it("GET /v1/subscriptions lists by id with active filter and cursor", async () => {
    const ids = async (q: string) => (await ok(`/v1/subscriptions${q}`)).items.map((s: Json) => s.id);
    expect(await ids("")).toEqual(["1", "2", "3"]);
    expect(await ids("?active=true")).toEqual(["1"]);
    expect(await ids("?active=false")).toEqual(["2", "3"]);
    expect(await ids(`?owner=${bob.account.address}`)).toEqual(["2", "3"]);
    expect(await ids("?swarm=1")).toEqual(["1", "3"]);
    const page1 = await ok("/v1/subscriptions?limit=2");
    expect(page1.items.map((s: Json) => s.id)).toEqual(["1", "2"]);
    expect(page1.nextCursor).toBe("2");
    const page2 = await ok(`/v1/subscriptions?limit=2&after=${page1.nextCursor}`);
    expect(page2).toMatchObject({ nextCursor: null });
    expect(page2.items.map((s: Json) => s.id)).toEqual(["3"]);
  });
  it("wait=<ms> long-polls: answers when a matching event arrives, or with the empty page when the wait ends", async () => {
    const latest = (await walk("", 1000)).at(-1)!.id;
    // Nothing new: the empty page after the wait (not at once), cursor unchanged.
    let t0 = Date.now();
    expect(await ok(`/v1/events?after=${latest}&wait=300`)).toEqual({ items: [], nextCursor: latest, hasMore: false });
    expect(Date.now() - t0).toBeGreaterThanOrEqual(290);
    // An event mined while the request waits: answered with it, well before the 10 s wait ends.
    t0 = Date.now();
    const pending = ok(`/v1/events?after=${latest}&types=message.broadcast&wait=10000`);
    await new Promise((resolve) => setTimeout(resolve, 200));
    await send("broadcast-wait", bob, "MessageBus", "broadcast", [2n, bytes32("wait"), "0x02"]);
    const page = await pending;
    expect(Date.now() - t0).toBeLessThan(9_000);
    expect(page.items.map((e: EventBody) => [e.type, e.txHash])).toEqual([["message.broadcast", hashes["broadcast-wait"]]]);
    expect(page.nextCursor).toBe(page.items[0].id);
    // Waiting requests share one look at the feed (feedWatch.ts): five of them, one with a filter the next event
    // does not match. The four are answered with it; the filtered one keeps waiting and ends with the empty page.
    const cursor = page.nextCursor as string;
    t0 = Date.now();
    const waiting = Array.from({ length: 4 }, () => ok(`/v1/events?after=${cursor}&wait=10000`));
    const filtered = ok(`/v1/events?after=${cursor}&types=task.posted&wait=1500`);
    await new Promise((resolve) => setTimeout(resolve, 200));
    await send("broadcast-wait-2", bob, "MessageBus", "broadcast", [2n, bytes32("wait-2"), "0x03"]);
    for (const p of await Promise.all(waiting)) expect(p.items.map((e: EventBody) => e.txHash)).toEqual([hashes["broadcast-wait-2"]]);
    expect(Date.now() - t0).toBeLessThan(9_000);
    expect(await filtered).toEqual({ items: [], nextCursor: cursor, hasMore: false });
    expect(Date.now() - t0).toBeGreaterThanOrEqual(1_400);
    // Out of range / malformed.
    for (const wait of ["10001", "-5", "soon"]) {
      const { status, body } = await get(`/v1/events?wait=${wait}`);
      expect(status).toBe(400);
      expect(body.error.details.issues[0].param).toBe("wait");
    }
  });
});
