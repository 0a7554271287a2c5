/**
 * Gas of the coordination contracts' hot paths, from real transaction receipts (`gasUsed`, refunds applied)
 * on an in-process Hardhat chain (`network.create()`: EDR, cancun, the repository's compiler settings).
 *
 * The queues of TaskBoard are measured at 10, 1,000 and 10,000 open tasks: each size gets its own swarm (so its
 * own typed queue and any-type queue), filled by bulk posting (automine off, `evm_mine` in batches).
 */
import { network } from "hardhat";
import { encodeFunctionData, getAddress, keccak256, parseEventLogs, toHex, zeroAddress, type Abi, type Address, type Hex } from "viem";
import { concordDomain } from "../../sdk/domain.ts";
import { signClaimTask } from "../../sdk/taskBoardMessages.ts";

export const TASK_SIZES = [10, 1_000, 10_000] as const;

export type GasRow = { operation: string; gas: number; target: string; openTasks?: number; notes?: string };

export type GasReport = {
  rows: GasRow[];
  /** claimNext / claim / post gas by open-task count, for the flatness checks. */
  bySize: Array<{ openTasks: number; post: number; claimNextTyped: number; claimNextAny: number; claimHead: number; claimMiddle: number; claimWorst: number }>;
  single: Record<string, number>;
  postSeconds: number;
};

const BUILD = keccak256(toHex("build"));
const REVIEW = keccak256(toHex("review"));
const ZERO32: Hex = `0x${"00".repeat(32)}`;
const SPEC_URI = "ipfs://bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi";
const SPEC_HASH = keccak256(toHex("spec"));
const RESULT_URI = "ipfs://bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku";
const RESULT_HASH = keccak256(toHex("result"));
const FEE = 10_000_000_000n; // 10 gwei max fee for bulk posts (the base fee is held at 1 wei while they are mined)
const OPEN_SWARM = { policy: 0, gateKind: 0, gateToken: zeroAddress, gateMinBalance: 0n, metadataURI: "" } as const;

const postParams = (swarmId: bigint) => ({
  swarmId,
  typeTag: BUILD,
  priority: 0,
  leaseTtl: 600,
  deadline: 0,
  specURI: SPEC_URI,
  specHash: SPEC_HASH,
  rewardToken: zeroAddress,
  rewardAmount: 0n,
});

export async function measureCoordinationGas(log: (m: string) => void = () => {}): Promise<GasReport> {
  const { viem, provider } = await network.create();
  const publicClient = await viem.getPublicClient();
  const [owner, alice, bob, carol, relayer] = await viem.getWalletClients();
  if (!owner || !alice || !bob || !carol || !relayer) throw new Error("need 5 dev accounts");
  const chainId = await publicClient.getChainId();

  const registry = await viem.deployContract("SwarmRegistry");
  const board = await viem.deployContract("TaskBoard", [registry.address]);
  const state = await viem.deployContract("SharedState", [registry.address]);
  const bus = await viem.deployContract("MessageBus", [registry.address]);

  /** Waits for the receipt, requires success and an event of `contract`, returns gasUsed. */
  async function gasOf(label: string, tx: Promise<Hex>, abi: Abi, address: Address, eventName: string): Promise<number> {
    const receipt = await publicClient.waitForTransactionReceipt({ hash: await tx });
    if (receipt.status !== "success") throw new Error(`${label}: transaction reverted`);
    const events = parseEventLogs({ abi, logs: receipt.logs }).filter(
      (l) => getAddress(l.address) === getAddress(address) && l.eventName === eventName,
    );
    if (events.length !== 1) throw new Error(`${label}: expected one ${eventName} event, got ${events.length}`);
    return Number(receipt.gasUsed);
  }

  // One swarm per queue size (ids 1..3), plus swarm 4 for the other operations. Members: owner, alice, bob, carol.
  for (let s = 0; s < TASK_SIZES.length + 1; s++) {
    await publicClient.waitForTransactionReceipt({ hash: await registry.write.createSwarm([OPEN_SWARM, []]) });
  }
  for (let s = 1n; s <= BigInt(TASK_SIZES.length + 1); s++) {
    for (const w of [alice, bob, carol]) {
      await publicClient.waitForTransactionReceipt({ hash: await registry.write.join([s, ""], { account: w.account }) });
    }
  }

  /** Posts `count` tasks to `swarmId` in bulk: automine off, all sent, then `evm_mine` until all are in. */
  async function bulkPost(swarmId: bigint, count: number): Promise<void> {
    const data = encodeFunctionData({ abi: board.abi, functionName: "post", args: [postParams(swarmId)] });
    const before = await board.read.taskCount();
    await provider.request({ method: "evm_setAutomine", params: [false] });
    try {
      const from = owner!.account.address;
      const sends: Promise<unknown>[] = [];
      for (let i = 0; i < count; i++) {
        sends.push(provider.request({ method: "eth_sendTransaction", params: [{ from, to: board.address, data, gas: toHex(400_000), maxFeePerGas: toHex(FEE), maxPriorityFeePerGas: toHex(1n) }] }));
      }
      await Promise.all(sends);
      const target = before + BigInt(count);
      let last = before;
      while (last < target) {
        // Full blocks raise the base fee 12.5% a block: hold it down so the queued posts stay includable.
        await provider.request({ method: "hardhat_setNextBlockBaseFeePerGas", params: [toHex(1n)] });
        await provider.request({ method: "evm_mine", params: [] });
        const now = await board.read.taskCount();
        if (now === last) throw new Error(`bulk post stalled at ${now - before}/${count} tasks (a post reverted?)`);
        last = now;
      }
    } finally {
      await provider.request({ method: "evm_setAutomine", params: [true] });
    }
  }

  const bySize: GasReport["bySize"] = [];
  let postSeconds = 0;
  for (const [i, size] of TASK_SIZES.entries()) {
    const swarmId = BigInt(i + 1);
    const t0 = performance.now();
    await bulkPost(swarmId, size - 1);
    postSeconds += (performance.now() - t0) / 1000;
    // The size-th post is measured on its own: appended behind size - 1 open tasks of the same type and level.
    const post = await gasOf("post", board.write.post([postParams(swarmId)]), board.abi, board.address, "TaskPosted");
    const first = (await board.read.taskCount()) - BigInt(size) + 1n; // first task of this swarm
    // size open tasks: claimNext of the typed queue takes the head
    const claimNextTyped = await gasOf(`claimNext typed @${size}`, board.write.claimNext([swarmId, BUILD], { account: alice.account }), board.abi, board.address, "TaskClaimed");
    // size - 1 open: claimNext of the any-type queue
    const claimNextAny = await gasOf(`claimNext any @${size}`, board.write.claimNext([swarmId, ZERO32], { account: bob.account }), board.abi, board.address, "TaskClaimed");
    // size - 2 open: claim(id) of the current head
    const head = await board.read.peekNext([swarmId, BUILD]);
    const claimHead = await gasOf(`claim head @${size}`, board.write.claim([head], { account: carol.account }), board.abi, board.address, "TaskClaimed");
    // size - 3 open: claim(id) of a task in the middle (unlinks it between two neighbours in both queues)
    const middle = first + BigInt(Math.floor(size / 2));
    const claimMiddle = await gasOf(`claim middle @${size}`, board.write.claim([middle], { account: alice.account }), board.abi, board.address, "TaskClaimed");
    // the worst case of claim(id): in the middle of both lists with four different neighbours. Append REVIEW, X
    // (BUILD), REVIEW, BUILD: X's any-type neighbours are the two REVIEW tasks, its typed neighbours the previous
    // BUILD tail and the last BUILD. size open again when X is claimed.
    for (const typeTag of [REVIEW, BUILD, REVIEW, BUILD]) {
      await publicClient.waitForTransactionReceipt({ hash: await board.write.post([{ ...postParams(swarmId), typeTag }]) });
    }
    const worst = (await board.read.taskCount()) - 2n;
    const claimWorst = await gasOf(`claim worst @${size}`, board.write.claim([worst], { account: bob.account }), board.abi, board.address, "TaskClaimed");
    bySize.push({ openTasks: size, post, claimNextTyped, claimNextAny, claimHead, claimMiddle, claimWorst });
    log(`  ${size} open: post ${post}, claimNext typed ${claimNextTyped}, any ${claimNextAny}, claim head ${claimHead}, middle ${claimMiddle}, worst ${claimWorst}`);
  }

  // Lifecycle of one claimed task in swarm 4 (its first posts pay one-time costs: measure steady state).
  const s4 = BigInt(TASK_SIZES.length + 1);
  for (let i = 0; i < 3; i++) await publicClient.waitForTransactionReceipt({ hash: await board.write.post([postParams(s4)]) });
  const lifecycleTask = await board.read.peekNext([s4, BUILD]);
  const claimTx = await publicClient.waitForTransactionReceipt({ hash: await board.write.claim([lifecycleTask], { account: alice.account }) });
  if (claimTx.status !== "success") throw new Error("lifecycle claim reverted");
  const epoch = (await board.read.getTask([lifecycleTask])).epoch;
  const renew = await gasOf("renew", board.write.renew([lifecycleTask, epoch], { account: alice.account }), board.abi, board.address, "TaskLeaseRenewed");
  const complete = await gasOf(
    "complete",
    board.write.complete([lifecycleTask, epoch, RESULT_URI, RESULT_HASH], { account: alice.account }),
    board.abi,
    board.address,
    "TaskCompleted",
  );

  // claimBySig: carol signs ClaimTask with the SDK; the relayer (not a member) submits it. Carol's nonce is 0,
  // so the nonce slot goes 0 -> 1 here (a first relayed claim); a second one (1 -> 2) is measured too.
  const domain = concordDomain("TaskBoard", chainId, board.address);
  const deadline = BigInt(Math.floor(Date.now() / 1000) + 3600);
  const bySig: number[] = [];
  for (let i = 0; i < 2; i++) {
    const taskId = await board.read.peekNext([s4, BUILD]);
    const nonce = await board.read.nonces([carol.account.address]);
    const signed = await signClaimTask(carol, domain, { taskId, claimant: carol.account.address, nonce, deadline });
    bySig.push(
      await gasOf(
        "claimBySig",
        board.write.claimBySig([taskId, carol.account.address, nonce, deadline, signed.signature], { account: relayer.account }),
        board.abi,
        board.address,
        "TaskClaimed",
      ),
    );
  }

  // SharedState compare-and-set of 32 bytes: alice creates the key (version 0 -> 1), bob updates it (1 -> 2).
  const key = keccak256(toHex("leader-hint"));
  const v1 = keccak256(toHex("value-1"));
  const v2 = keccak256(toHex("value-2"));
  const stateCreate = await gasOf("state create", state.write.set([s4, key, v1, 0n], { account: alice.account }), state.abi, state.address, "StateSet");
  const cas = await gasOf("state CAS", state.write.set([s4, key, v2, 1n], { account: bob.account }), state.abi, state.address, "StateSet");

  // MessageBus broadcast of a 32-byte payload: the swarm's first message pays for its counter's first write.
  const topic = keccak256(toHex("status"));
  const payload = keccak256(toHex("payload"));
  const broadcastFirst = await gasOf("broadcast", bus.write.broadcast([s4, topic, payload], { account: alice.account }), bus.abi, bus.address, "MessageBroadcast");
  const broadcast = await gasOf("broadcast", bus.write.broadcast([s4, topic, payload], { account: alice.account }), bus.abi, bus.address, "MessageBroadcast");

  const single = { renew, complete, claimBySigFirst: bySig[0]!, claimBySig: bySig[1]!, stateCreate, cas, broadcastFirst, broadcast };
  log(`  ${JSON.stringify(single)}`);

  const rows: GasRow[] = [];
  for (const s of bySize) {
    rows.push({ operation: `post (typed, no reward) behind ${s.openTasks - 1} open`, gas: s.post, target: "", openTasks: s.openTasks - 1 });
  }
  for (const s of bySize) {
    rows.push({ operation: `claimNext(swarm, type) with ${fmt(s.openTasks)} open`, gas: s.claimNextTyped, target: "<= 80,000, flat", openTasks: s.openTasks });
  }
  for (const s of bySize) {
    rows.push({ operation: `claimNext(swarm, any type) with ${fmt(s.openTasks - 1)} open`, gas: s.claimNextAny, target: "<= 80,000, flat", openTasks: s.openTasks - 1 });
  }
  for (const s of bySize) {
    rows.push({ operation: `claim(id), head of queue, ${fmt(s.openTasks - 2)} open`, gas: s.claimHead, target: "<= 60,000", openTasks: s.openTasks - 2 });
  }
  for (const s of bySize) {
    rows.push({ operation: `claim(id), middle of both lists, same neighbours in both, ${fmt(s.openTasks - 3)} open`, gas: s.claimMiddle, target: "<= 60,000", openTasks: s.openTasks - 3 });
  }
  for (const s of bySize) {
    rows.push({ operation: `claim(id), middle of both lists, 4 different neighbours (worst case), ${fmt(s.openTasks)} open`, gas: s.claimWorst, target: "<= 60,000", openTasks: s.openTasks });
  }
  rows.push({ operation: "renew(id, epoch)", gas: renew, target: "" });
  rows.push({ operation: "complete(id, epoch, resultURI, hash), no reward", gas: complete, target: "" });
  rows.push({ operation: "claimBySig (relayed; claimant's first nonce)", gas: bySig[0]!, target: "" });
  rows.push({ operation: "claimBySig (relayed; later nonce)", gas: bySig[1]!, target: "" });
  rows.push({ operation: "SharedState set, new key (32 B)", gas: stateCreate, target: "" });
  rows.push({ operation: "SharedState compare-and-set of existing key (32 B)", gas: cas, target: "<= 50,000" });
  rows.push({ operation: "MessageBus broadcast (32 B), swarm's first message", gas: broadcastFirst, target: "" });
  rows.push({ operation: "MessageBus broadcast (32 B), later messages", gas: broadcast, target: "" });
  return { rows, bySize, single, postSeconds };
}

const fmt = (n: number) => n.toLocaleString("en-US");
