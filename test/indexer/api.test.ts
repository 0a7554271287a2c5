/**
 * The indexer's REST (/v1) and GraphQL APIs against a real chain: the stack harness starts a Hardhat node,
 * deploys Concord with Ignition and runs Ponder on PGlite; this test sends transactions to every
 * coordination contract, waits until the indexer has indexed the last block, then checks every /v1 route
 * (and a GraphQL query) against what the chain says, plus the 400 / 404 JSON errors.
 */
import {
  type Abi,
  type Address,
  type Hash,
  type Hex,
  keccak256,
  parseEventLogs,
  stringToHex,
  toHex,
  zeroAddress,
} from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MessageBusAbi } from "../../indexer/abis/MessageBusAbi.ts";
import { SharedStateAbi } from "../../indexer/abis/SharedStateAbi.ts";
import { SwarmRegistryAbi } from "../../indexer/abis/SwarmRegistryAbi.ts";
import { TaskBoardAbi } from "../../indexer/abis/TaskBoardAbi.ts";
import { type DevWalletClient, type TestStack, startStack } from "../e2e/harness.ts";
import { readDomain, signInvite, signTyped, swarmRegistryDomain } from "../helpers/signatures.ts";

type Json = any; // eslint-disable-line @typescript-eslint/no-explicit-any

const TASK_STATUS = ["none", "open", "claimed", "completed", "cancelled", "expired"] as const;
const bytes32 = (s: string) => stringToHex(s, { size: 32 });
const lower = (a: string) => a.toLowerCase();

describe("indexer API (REST /v1 + GraphQL) against the chain", () => {
  let stack: TestStack;
  let owner: DevWalletClient;
  let alice: DevWalletClient;
  let bob: DevWalletClient;
  let admin: DevWalletClient;
  let lastBlock = 0n;
  const receipts: Record<string, { hash: Hash; blockNumber: bigint; logIndexes: number[] }> = {};
  const K2 = keccak256(toHex("concord/raw-key"));
  let inviteHash: Hex;
  let revokedHash: Hex;

  /** Sends a transaction, waits for success, remembers its receipt under `label`. */
  async function send(
    label: string,
    wallet: DevWalletClient,
    call: { address: Address; abi: Abi; functionName: string; args: readonly unknown[]; value?: bigint },
  ) {
    const hash = await wallet.writeContract(call as Parameters<DevWalletClient["writeContract"]>[0]);
    const receipt = await stack.publicClient.waitForTransactionReceipt({ hash });
    expect(receipt.status, label).toBe("success");
    receipts[label] = { hash, blockNumber: receipt.blockNumber, logIndexes: receipt.logs.map((l) => l.logIndex) };
    if (receipt.blockNumber > lastBlock) lastBlock = receipt.blockNumber;
    return receipt;
  }

  async function get(path: string): Promise<{ status: number; body: Json; contentType: string | null }> {
    const response = await fetch(stack.apiUrl + path);
    return { status: response.status, body: await response.json(), contentType: response.headers.get("content-type") };
  }

  async function ok(path: string): Promise<Json> {
    const { status, body } = await get(path);
    expect(status, `${path} → ${JSON.stringify(body)}`).toBe(200);
    return body;
  }

  beforeAll(async () => {
    stack = await startStack({ accounts: 5 });
    [owner, alice, bob, admin] = stack.walletClients as [DevWalletClient, DevWalletClient, DevWalletClient, DevWalletClient];
    const registry = { address: stack.addresses.SwarmRegistry!, abi: SwarmRegistryAbi as Abi };
    const board = { address: stack.addresses.TaskBoard!, abi: TaskBoardAbi as Abi };
    const state = { address: stack.addresses.SharedState!, abi: SharedStateAbi as Abi };
    const bus = { address: stack.addresses.MessageBus!, abi: MessageBusAbi as Abi };

    // --- SwarmRegistry: swarm 1 (open), two joins, a metadata change, a leave ------------------------
    const created = await send("createSwarm", owner, {
      ...registry,
      functionName: "createSwarm",
      args: [
        { policy: 0, gateKind: 0, gateToken: zeroAddress, gateMinBalance: 0n, metadataURI: "ipfs://swarm-1" },
        [admin.account.address],
      ],
    });
    const [swarmCreated] = parseEventLogs({ abi: SwarmRegistryAbi, logs: created.logs, eventName: "SwarmCreated" });
    expect(swarmCreated!.args.swarmId).toBe(1n);
    await send("aliceJoin", alice, { ...registry, functionName: "join", args: [1n, "ipfs://alice"] });
    await send("bobJoin", bob, { ...registry, functionName: "join", args: [1n, "ipfs://bob"] });
    await send("aliceMeta", alice, { ...registry, functionName: "setMemberMetadata", args: [1n, "ipfs://alice-2"] });
    await send("bobLeave", bob, { ...registry, functionName: "leave", args: [1n] });
    await send("swarmMeta", owner, { ...registry, functionName: "setSwarmMetadata", args: [1n, "ipfs://swarm-1b"] });

    // --- TaskBoard: 4 tasks; task 1 claimed/renewed/released/re-claimed/completed, task 2 claimed,
    //     task 3 cancelled, task 4's lease expires --------------------------------------------------
    const post = (label: string, typeTag: string, leaseTtl: number, reward: bigint) =>
      send(label, owner, {
        ...board,
        functionName: "post",
        args: [
          {
            swarmId: 1n,
            typeTag: bytes32(typeTag),
            priority: 5,
            leaseTtl,
            deadline: 0,
            specURI: `ipfs://spec-${label}`,
            specHash: keccak256(toHex(label)),
            rewardToken: zeroAddress,
            rewardAmount: reward,
          },
        ],
        value: reward,
      });
    await post("post1", "review", 600, 1000n);
    await post("post2", "build", 600, 0n);
    await post("post3", "review", 600, 5n);
    await post("post4", "build", 60, 0n);
    await send("claim1a", alice, { ...board, functionName: "claim", args: [1n] });
    await send("renew1", alice, { ...board, functionName: "renew", args: [1n, 1n] });
    await send("release1", alice, { ...board, functionName: "release", args: [1n, 1n] });
    await send("claim1b", alice, { ...board, functionName: "claim", args: [1n] });
    await send("complete1", alice, {
      ...board,
      functionName: "complete",
      args: [1n, 2n, "ipfs://result-1", keccak256(toHex("result-1"))],
    });
    await send("cancel3", owner, { ...board, functionName: "cancel", args: [3n] });
    await send("claim2", alice, { ...board, functionName: "claim", args: [2n] });
    await send("claim4", owner, { ...board, functionName: "claim", args: [4n] });
    await stack.publicClient.request({ method: "evm_increaseTime", params: [120] } as never);
    await stack.publicClient.request({ method: "evm_mine", params: [] } as never);
    await send("expire4", alice, { ...board, functionName: "expire", args: [4n] });
    await send("claimCap", owner, { ...board, functionName: "setClaimCap", args: [1n, 3] });

    // --- SharedState: "config" written twice and restricted; a raw bytes32 key written then deleted ---
    await send("set1", owner, { ...state, functionName: "set", args: [1n, bytes32("config"), "0x1234", 0n] });
    await send("set2", alice, { ...state, functionName: "set", args: [1n, bytes32("config"), "0xabcdef", 1n] });
    await send("setK2", owner, { ...state, functionName: "set", args: [1n, K2, "0x01", 0n] });
    await send("delK2", owner, { ...state, functionName: "del", args: [1n, K2, 1n] });
    await send("restrict", owner, { ...state, functionName: "setKeyRestricted", args: [1n, bytes32("config"), true] });
    await send("writer", admin, {
      ...state,
      functionName: "setKeyWriter",
      args: [1n, bytes32("config"), alice.account.address, true],
    });

    // --- MessageBus: broadcast, direct, broadcast; a rate limit -------------------------------------
    await send("msg1", owner, { ...bus, functionName: "broadcast", args: [1n, bytes32("hello"), "0x68656c6c6f"] });
    await send("msg2", owner, {
      ...bus,
      functionName: "send",
      args: [1n, alice.account.address, bytes32("dm"), "0xbeef"],
    });
    await send("msg3", alice, { ...bus, functionName: "broadcast", args: [1n, bytes32("hello"), "0x01"] });
    await send("rateLimit", admin, { ...bus, functionName: "setRateLimit", args: [1n, 10, 60] });

    // --- Swarm 2: invite join, policy change, allowlist join, removal, revoked invite, ownership
    //     transfer; a task that expires at its deadline; a relayed (EIP-712) claim ------------------------
    await send("createSwarm2", owner, {
      ...registry,
      functionName: "createSwarm",
      args: [{ policy: 2, gateKind: 0, gateToken: zeroAddress, gateMinBalance: 0n, metadataURI: "ipfs://swarm-2" }, []],
    });
    const now = Number((await stack.publicClient.getBlock()).timestamp);
    const domain = swarmRegistryDomain(stack.chain.id, stack.addresses.SwarmRegistry!);
    const signed = await signInvite(owner, domain, {
      swarmId: 2n,
      invitee: bob.account.address,
      maxUses: 1,
      expiry: now + 3600,
      salt: keccak256(toHex("invite-bob")),
    });
    inviteHash = signed.hash;
    await send("bobInvite", bob, {
      ...registry,
      functionName: "joinWithInvite",
      args: [2n, signed.invite, owner.account.address, signed.signature, "ipfs://bob-2"],
    });
    revokedHash = keccak256(toHex("some-other-invite"));
    await send("revoke", owner, { ...registry, functionName: "revokeInvite", args: [2n, revokedHash] });
    await send("policy2", owner, { ...registry, functionName: "setPolicy", args: [2n, 1, 0, zeroAddress, 0n] });
    await send("allow2", owner, { ...registry, functionName: "setAllowlist", args: [2n, [alice.account.address], true] });
    await send("aliceJoin2", alice, { ...registry, functionName: "join", args: [2n, "ipfs://alice-swarm-2"] });
    await send("removeBob2", owner, { ...registry, functionName: "removeMember", args: [2n, bob.account.address] });
    await send("transfer2", owner, { ...registry, functionName: "transferSwarmOwnership", args: [2n, alice.account.address] });

    const post2 = (label: string, wallet: DevWalletClient, deadline: number) =>
      send(label, wallet, {
        ...board,
        functionName: "post",
        args: [
          {
            swarmId: 2n,
            typeTag: `0x${"00".repeat(32)}`,
            priority: 0,
            leaseTtl: 3600,
            deadline,
            specURI: `ipfs://spec-${label}`,
            specHash: keccak256(toHex(label)),
            rewardToken: zeroAddress,
            rewardAmount: 0n,
          },
        ],
      });
    const t0 = Number((await stack.publicClient.getBlock()).timestamp);
    await post2("post5", alice, t0 + 100);
    await post2("post6", alice, 0);
    const nonce = await stack.publicClient.readContract({
      address: stack.addresses.TaskBoard!,
      abi: TaskBoardAbi,
      functionName: "nonces",
      args: [alice.account.address],
    });
    const claimDeadline = BigInt(t0 + 3600);
    const claimSig = await signTyped(
      alice,
      await readDomain(stack.publicClient, stack.addresses.TaskBoard!),
      {
        ClaimTask: [
          { name: "taskId", type: "uint256" },
          { name: "claimant", type: "address" },
          { name: "nonce", type: "uint256" },
          { name: "deadline", type: "uint256" },
        ],
      },
      "ClaimTask",
      { taskId: 6n, claimant: alice.account.address, nonce, deadline: claimDeadline },
    );
    await send("claimBySig6", owner, {
      ...board,
      functionName: "claimBySig",
      args: [6n, alice.account.address, nonce, claimDeadline, claimSig],
    });
    await stack.publicClient.request({ method: "evm_increaseTime", params: [200] } as never);
    await stack.publicClient.request({ method: "evm_mine", params: [] } as never);
    await send("expire5", bob, { ...board, functionName: "expire", args: [5n] });

    // Wait until Ponder has indexed the last block (its /status answers the latest indexed block).
    const deadline = Date.now() + 60_000;
    for (;;) {
      const status = (await (await fetch(`${stack.apiUrl}/status`)).json()) as Record<string, { block: { number: number } }>;
      const indexed = Object.values(status)[0]?.block.number ?? 0;
      if (BigInt(indexed) >= lastBlock) break;
      if (Date.now() > deadline) throw new Error(`indexer stuck at block ${indexed} < ${lastBlock}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }, 300_000);

  afterAll(async () => {
    await stack?.stop();
  });

  it("GET /v1/swarms/:id matches the registry", async () => {
    const registry = { address: stack.addresses.SwarmRegistry!, abi: SwarmRegistryAbi };
    const swarm = await ok("/v1/swarms/1");
    const chainCount = await stack.publicClient.readContract({ ...registry, functionName: "memberCount", args: [1n] });
    const chainOwner = await stack.publicClient.readContract({ ...registry, functionName: "swarmOwner", args: [1n] });
    expect(swarm).toMatchObject({
      id: "1",
      owner: lower(chainOwner),
      policy: "open",
      gateKind: "none",
      gateToken: zeroAddress,
      gateMinBalance: "0",
      metadataUri: "ipfs://swarm-1b",
      memberCount: chainCount.toString(),
      createdTxHash: receipts.createSwarm!.hash,
      createdBlock: receipts.createSwarm!.blockNumber.toString(),
      updatedTxHash: receipts.swarmMeta!.hash,
      rateLimit: { maxMessages: 10, windowSeconds: 60 },
      claimCap: 3,
    });
    expect(swarm.memberCount).toBe("2");
    expect(swarm.admins).toEqual([lower(owner.account.address), lower(admin.account.address)].sort());
    for (const account of swarm.admins) {
      expect(await stack.publicClient.readContract({ ...registry, functionName: "isAdmin", args: [1n, account] })).toBe(true);
    }
  });

  it("GET /v1/swarms/:id/members lists members (active by default, paginated by address)", async () => {
    const active = await ok("/v1/swarms/1/members");
    expect(active.nextCursor).toBeNull();
    expect(active.items.map((m: Json) => m.address)).toEqual(
      [lower(owner.account.address), lower(alice.account.address)].sort(),
    );
    const aliceRow = active.items.find((m: Json) => m.address === lower(alice.account.address));
    expect(aliceRow).toMatchObject({
      swarmId: "1",
      metadataUri: "ipfs://alice-2",
      active: true,
      joinedVia: "open",
      joinedTxHash: receipts.aliceJoin!.hash,
      joinCount: 1,
      exitReason: null,
    });

    const all = await ok("/v1/swarms/1/members?status=all");
    expect(all.items).toHaveLength(3);
    const bobRow = all.items.find((m: Json) => m.address === lower(bob.account.address));
    expect(bobRow).toMatchObject({ active: false, exitReason: "left", metadataUri: "" });
    const registry = { address: stack.addresses.SwarmRegistry!, abi: SwarmRegistryAbi };
    for (const m of all.items) {
      expect(await stack.publicClient.readContract({ ...registry, functionName: "isMember", args: [1n, m.address] })).toBe(m.active);
    }

    const inactive = await ok("/v1/swarms/1/members?status=inactive");
    expect(inactive.items.map((m: Json) => m.address)).toEqual([lower(bob.account.address)]);

    // Pages of one: the cursor walks every member exactly once, in address order.
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: Json = await ok(`/v1/swarms/1/members?status=all&limit=1${cursor ? `&cursor=${cursor}` : ""}`);
      expect(page.items.length).toBeLessThanOrEqual(1);
      seen.push(...page.items.map((m: Json) => m.address));
      cursor = page.nextCursor;
    } while (cursor !== null);
    expect(seen).toEqual(all.items.map((m: Json) => m.address));
  });

  it("GET /v1/swarms/:id/tasks filters and paginates, and matches getTask", async () => {
    const all = await ok("/v1/swarms/1/tasks");
    expect(all.nextCursor).toBeNull();
    expect(all.items.map((t: Json) => t.id)).toEqual(["1", "2", "3", "4"]);
    const board = { address: stack.addresses.TaskBoard!, abi: TaskBoardAbi };
    for (const t of all.items) {
      const onChain = await stack.publicClient.readContract({ ...board, functionName: "getTask", args: [BigInt(t.id)] });
      expect(t.status, `task ${t.id}`).toBe(TASK_STATUS[onChain.status]);
      expect(t.epoch).toBe(onChain.epoch.toString());
      expect(t.poster).toBe(lower(onChain.poster));
      expect(t.typeTag).toBe(onChain.typeTag);
      expect(t.priority).toBe(onChain.priority);
      expect(t.leaseTtl).toBe(onChain.leaseTtl.toString());
      expect(t.rewardToken).toBe(lower(onChain.rewardToken));
      if (t.status === "claimed") {
        expect(t.claimant).toBe(lower(onChain.claimant));
        expect(t.leaseExpiry).toBe(onChain.leaseExpiry.toString());
      }
    }
    expect(all.items.map((t: Json) => t.status)).toEqual(["completed", "claimed", "cancelled", "open"]);

    expect((await ok("/v1/swarms/1/tasks?status=completed")).items.map((t: Json) => t.id)).toEqual(["1"]);
    expect((await ok("/v1/swarms/1/tasks?status=open,claimed")).items.map((t: Json) => t.id)).toEqual(["2", "4"]);
    expect((await ok("/v1/swarms/1/tasks?type=review")).items.map((t: Json) => t.id)).toEqual(["1", "3"]);
    expect((await ok(`/v1/swarms/1/tasks?type=${bytes32("build")}`)).items.map((t: Json) => t.id)).toEqual(["2", "4"]);
    expect(
      (await ok(`/v1/swarms/1/tasks?claimant=${alice.account.address}`)).items.map((t: Json) => t.id),
    ).toEqual(["1", "2"]);

    const page1 = await ok("/v1/swarms/1/tasks?limit=2");
    expect(page1.items.map((t: Json) => t.id)).toEqual(["1", "2"]);
    expect(page1.nextCursor).toBe("2");
    const page2 = await ok(`/v1/swarms/1/tasks?limit=2&cursor=${page1.nextCursor}`);
    expect(page2.items.map((t: Json) => t.id)).toEqual(["3", "4"]);
    expect(page2.nextCursor).toBeNull();
  });

  it("GET /v1/tasks/:id returns the task with every transition, epoch and chain cursor", async () => {
    const task = await ok("/v1/tasks/1");
    expect(task).toMatchObject({
      id: "1",
      swarmId: "1",
      status: "completed",
      epoch: "2",
      claimCount: 2,
      claimant: lower(alice.account.address),
      resultUri: "ipfs://result-1",
      resultHash: keccak256(toHex("result-1")),
      rewardAmount: "1000",
      specUri: "ipfs://spec-post1",
      specHash: keccak256(toHex("post1")),
      typeTag: bytes32("review"),
      deadline: "0",
      leaseExpiry: null,
    });
    const history = task.history as Json[];
    expect(history.map((e) => [e.kind, e.status, e.epoch])).toEqual([
      ["posted", "open", "0"],
      ["claimed", "claimed", "1"],
      ["lease_renewed", "claimed", "1"],
      ["released", "open", "1"],
      ["claimed", "claimed", "2"],
      ["completed", "completed", "2"],
    ]);
    const labels = ["post1", "claim1a", "renew1", "release1", "claim1b", "complete1"];
    history.forEach((event, i) => {
      const receipt = receipts[labels[i]!]!;
      expect(event.txHash).toBe(receipt.hash);
      expect(event.blockNumber).toBe(receipt.blockNumber.toString());
      expect(receipt.logIndexes).toContain(event.logIndex);
      expect(event.blockHash).toMatch(/^0x[0-9a-f]{64}$/);
      expect(event.chainId).toBe(31337);
    });
    expect(history[0].actor).toBe(lower(owner.account.address));
    expect(history[1]).toMatchObject({ actor: lower(alice.account.address), relayer: lower(alice.account.address) });
    expect(history[5].data).toMatchObject({ resultUri: "ipfs://result-1", rewardAmount: "1000" });

    const expired = await ok("/v1/tasks/4");
    expect(expired).toMatchObject({ status: "open", claimant: null, epoch: "1" });
    const last = expired.history[expired.history.length - 1];
    expect(last).toMatchObject({
      kind: "lease_expired",
      status: "open",
      epoch: "1",
      actor: lower(alice.account.address),
      claimant: lower(owner.account.address),
      txHash: receipts.expire4!.hash,
    });

    const cancelled = await ok("/v1/tasks/3");
    expect(cancelled.status).toBe("cancelled");
    expect(cancelled.history.map((e: Json) => e.kind)).toEqual(["posted", "cancelled"]);
    expect(cancelled.history[1].data).toEqual({ rewardToken: zeroAddress, refundAmount: "5" });
  });

  it("GET /v1/swarms/:id/state/:key answers value and version, by string or hex key", async () => {
    const state = { address: stack.addresses.SharedState!, abi: SharedStateAbi };
    const [value, version, exists] = await stack.publicClient.readContract({
      ...state,
      functionName: "get",
      args: [1n, bytes32("config")],
    });
    expect(exists).toBe(true);
    const byString = await ok("/v1/swarms/1/state/config");
    expect(byString).toMatchObject({
      swarmId: "1",
      key: bytes32("config"),
      value,
      valueHash: keccak256(value),
      version: version.toString(),
      deleted: false,
      lastWriter: lower(alice.account.address),
      restricted: true,
      writers: [lower(alice.account.address)],
      updatedTxHash: receipts.set2!.hash,
    });
    expect(byString.version).toBe("2");
    expect(await ok(`/v1/swarms/1/state/${bytes32("config").toUpperCase().replace("0X", "0x")}`)).toEqual(byString);

    const deleted = await ok(`/v1/swarms/1/state/${K2}`);
    const k2Version = await stack.publicClient.readContract({ ...state, functionName: "version", args: [1n, K2] });
    expect(deleted).toMatchObject({ key: K2, value: null, deleted: true, version: k2Version.toString(), restricted: false, writers: [] });
    expect(deleted.version).toBe("2");

    const missing = await get("/v1/swarms/1/state/never-written");
    expect(missing.status).toBe(404);
    expect(missing.body.error).toMatchObject({ code: "state_key_not_found", details: { version: "0" } });
  });

  it("GET /v1/swarms/:id/messages pages by message id", async () => {
    const all = await ok("/v1/swarms/1/messages");
    const bus = { address: stack.addresses.MessageBus!, abi: MessageBusAbi };
    const lastId = await stack.publicClient.readContract({ ...bus, functionName: "lastMessageId", args: [1n] });
    expect(all.items.map((m: Json) => m.messageId)).toEqual(["1", "2", "3"]);
    expect(lastId).toBe(3n);
    expect(all.nextCursor).toBeNull();
    expect(all.items[0]).toMatchObject({
      swarmId: "1",
      kind: "broadcast",
      sender: lower(owner.account.address),
      recipient: null,
      topic: bytes32("hello"),
      payload: "0x68656c6c6f",
      txHash: receipts.msg1!.hash,
      blockNumber: receipts.msg1!.blockNumber.toString(),
    });
    expect(all.items[1]).toMatchObject({
      kind: "direct",
      recipient: lower(alice.account.address),
      topic: bytes32("dm"),
      payload: "0xbeef",
    });

    const page = await ok("/v1/swarms/1/messages?after=1&limit=1");
    expect(page.items.map((m: Json) => m.messageId)).toEqual(["2"]);
    expect(page.nextCursor).toBe("2");
    const tail = await ok("/v1/swarms/1/messages?after=3");
    expect(tail).toEqual({ items: [], nextCursor: null });
  });

  it("GraphQL answers the same data, with relations", async () => {
    type Data = {
      swarm: { memberCount: string; owner: string; members: { items: { address: string; active: boolean }[] } };
      tasks: { items: { id: string; status: string; epoch: string }[] };
      stateKey: { version: string; deleted: boolean } | null;
    };
    const data = await stack.graphql<Data>(
      `query ($key: String!) {
        swarm(id: "1") { memberCount owner members(orderBy: "address") { items { address active } } }
        tasks(where: { swarmId: "1" }, orderBy: "id", orderDirection: "asc") { items { id status epoch } }
        stateKey(swarmId: "1", key: $key) { version deleted }
      }`,
      { key: bytes32("config") },
    );
    expect(data.swarm.memberCount).toBe("2");
    expect(data.swarm.owner).toBe(lower(owner.account.address));
    expect(data.swarm.members.items).toHaveLength(3);
    expect(data.tasks.items).toEqual([
      { id: "1", status: "completed", epoch: "2" },
      { id: "2", status: "claimed", epoch: "1" },
      { id: "3", status: "cancelled", epoch: "0" },
      { id: "4", status: "open", epoch: "1" },
    ]);
    expect(data.stateKey).toEqual({ version: "2", deleted: false });
  });

  it("follows invites, policy changes, removals and ownership transfers (swarm 2)", async () => {
    const registry = { address: stack.addresses.SwarmRegistry!, abi: SwarmRegistryAbi };
    const swarm = await ok("/v1/swarms/2");
    const chainCount = await stack.publicClient.readContract({ ...registry, functionName: "memberCount", args: [2n] });
    expect(swarm).toMatchObject({
      owner: lower(alice.account.address),
      policy: "allowlist",
      metadataUri: "ipfs://swarm-2",
      memberCount: chainCount.toString(),
      admins: [lower(alice.account.address)],
    });
    expect(swarm.memberCount).toBe("2");

    const members = await ok("/v1/swarms/2/members?status=all");
    const byAddress = Object.fromEntries(members.items.map((m: Json) => [m.address, m]));
    expect(byAddress[lower(bob.account.address)]).toMatchObject({
      active: false,
      joinedVia: "invite",
      exitReason: "removed",
      removedBy: lower(owner.account.address),
      leftBlock: receipts.removeBob2!.blockNumber.toString(),
    });
    expect(byAddress[lower(alice.account.address)]).toMatchObject({ active: true, joinedVia: "allowlist", metadataUri: "ipfs://alice-swarm-2" });
    expect(byAddress[lower(owner.account.address)]).toMatchObject({ active: true, joinedVia: "invite" });

    type Data = {
      invites: { items: { inviteHash: string; uses: number; revoked: boolean; lastUsedBy: string | null }[] };
      swarmEvents: { items: { kind: string; account: string | null; txHash: string }[] };
    };
    const data = await stack.graphql<Data>(`{
      invites(where: { swarmId: "2" }, orderBy: "inviteHash") { items { inviteHash uses revoked lastUsedBy } }
      swarmEvents(where: { swarmId: "2" }, orderBy: "id", limit: 100) { items { kind account txHash } }
    }`);
    expect(data.invites.items).toEqual(
      [
        { inviteHash, uses: 1, revoked: false, lastUsedBy: lower(bob.account.address) },
        { inviteHash: revokedHash, uses: 0, revoked: true, lastUsedBy: null },
      ].sort((a, b) => (a.inviteHash < b.inviteHash ? -1 : 1)),
    );
    expect(data.swarmEvents.items.map((e) => e.kind)).toEqual([
      "swarm_created",
      "admin_updated",
      "member_joined",
      "invite_used",
      "member_joined",
      "invite_revoked",
      "policy_updated",
      "allowlist_updated",
      "member_joined",
      "member_removed",
      "admin_updated",
      "admin_updated",
      "ownership_transferred",
    ]);
    expect(data.swarmEvents.items.at(-1)).toMatchObject({ account: lower(alice.account.address), txHash: receipts.transfer2!.hash });
  });

  it("records deadline expiry and relayed claims (relayer vs claimant)", async () => {
    const expired = await ok("/v1/tasks/5");
    expect(expired).toMatchObject({ swarmId: "2", status: "expired", epoch: "0", claimant: null });
    expect(expired.expiredAt).not.toBeNull();
    expect(expired.history.map((e: Json) => [e.kind, e.status, e.actor])).toEqual([
      ["posted", "open", lower(alice.account.address)],
      ["expired", "expired", lower(bob.account.address)],
    ]);
    const board = { address: stack.addresses.TaskBoard!, abi: TaskBoardAbi };
    const onChain = await stack.publicClient.readContract({ ...board, functionName: "getTask", args: [5n] });
    expect(TASK_STATUS[onChain.status]).toBe("expired");

    const relayed = await ok("/v1/tasks/6");
    expect(relayed).toMatchObject({ status: "claimed", epoch: "1", claimant: lower(alice.account.address) });
    expect(relayed.history[1]).toMatchObject({
      kind: "claimed",
      actor: lower(alice.account.address),
      claimant: lower(alice.account.address),
      relayer: lower(owner.account.address),
      txHash: receipts.claimBySig6!.hash,
    });
    expect((await ok("/v1/swarms/2/tasks?status=expired")).items.map((t: Json) => t.id)).toEqual(["5"]);
  });

  it("answers 400 JSON errors for malformed parameters", async () => {
    const cases: [string, string][] = [
      ["/v1/swarms/abc", "id"],
      ["/v1/swarms/-1", "id"],
      ["/v1/swarms/01/members", "id"],
      ["/v1/swarms/1/members?status=gone", "status"],
      ["/v1/swarms/1/tasks?status=bogus", "status.0"],
      ["/v1/swarms/1/tasks?limit=0", "limit"],
      ["/v1/swarms/1/tasks?limit=101", "limit"],
      ["/v1/swarms/1/tasks?cursor=x", "cursor"],
      ["/v1/swarms/1/tasks?type=0x12", "type"],
      ["/v1/swarms/1/tasks?claimant=0x12", "claimant"],
      ["/v1/tasks/1.5", "id"],
      ["/v1/swarms/1/state/0x1234", "key"],
      [`/v1/swarms/1/state/${"k".repeat(33)}`, "key"],
      ["/v1/swarms/1/messages?after=-1", "after"],
      ["/v1/swarms/1/messages?limit=0", "limit"],
    ];
    for (const [path, param] of cases) {
      const { status, body, contentType } = await get(path);
      expect(status, path).toBe(400);
      expect(contentType, path).toMatch(/application\/json/);
      expect(body.error.code, path).toBe("invalid_parameter");
      expect(typeof body.error.message, path).toBe("string");
      expect(body.error.details.issues.map((i: Json) => i.param), path).toContain(param);
    }
  });

  it("answers 404 JSON errors for unknown ids and routes", async () => {
    const cases: [string, string][] = [
      ["/v1/swarms/999", "swarm_not_found"],
      ["/v1/swarms/0", "swarm_not_found"],
      ["/v1/swarms/999/members", "swarm_not_found"],
      ["/v1/swarms/999/tasks", "swarm_not_found"],
      ["/v1/swarms/999/state/config", "swarm_not_found"],
      ["/v1/swarms/999/messages", "swarm_not_found"],
      ["/v1/tasks/999", "task_not_found"],
      ["/v1/swarms/1/state/missing", "state_key_not_found"],
      ["/v1/nope", "route_not_found"],
      ["/v1/swarms", "route_not_found"],
      ["/nothing/here", "route_not_found"],
    ];
    for (const [path, code] of cases) {
      const { status, body, contentType } = await get(path);
      expect(status, path).toBe(404);
      expect(contentType, path).toMatch(/application\/json/);
      expect(body.error.code, path).toBe(code);
    }
    // Ponder's own routes are still served.
    expect((await fetch(`${stack.apiUrl}/health`)).status).toBe(200);
    expect((await fetch(`${stack.apiUrl}/metrics`)).status).toBe(200);
  });
});
