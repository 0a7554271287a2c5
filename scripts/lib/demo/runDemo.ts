/**
 * The Concord demo against a running stack (`npm run dev`, or the e2e harness): simulated agents, each with
 * its own key, form a swarm under every membership policy, post 20 tasks and race for them (claimNext,
 * claims by id, gasless claims relayed by another agent), let a lease expire and reclaim it under a higher
 * epoch, complete everything, fight over a shared-state key with compare-and-set, and message each other.
 * Then the consensus phase (consensus.ts): staking, a leader elected by signed ballots, a fail-over to a higher
 * term, lock contention with fencing tokens, an equivocator slashed, a proposal that pays out.
 * Then the indexer's view (REST and GraphQL) is compared with the chain's, path by path.
 *
 * Every run creates a new swarm (and a new gate token and gasless agent), so it can run again and again
 * against the same stack. It moves the local chain's clock forward (evm_increaseTime), so it is for local
 * Hardhat nodes only.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import {
  createPublicClient,
  createTestClient,
  defineChain,
  formatEther,
  http,
  keccak256,
  parseEther,
  stringToHex,
  toHex,
  zeroAddress,
  zeroHash,
  type Abi,
  type Address,
  type Hex,
} from "viem";
import { generatePrivateKey, mnemonicToAccount, privateKeyToAccount } from "viem/accounts";
import {
  consensusAddresses,
  coordinationAddresses,
  createIndexerClient,
  formatConcordError,
  MessageBusAbi,
  readDeployment,
  readDomain,
  SharedStateAbi,
  signBroadcast,
  signClaimTask,
  signCompleteTask,
  signInvite,
  signRenewLease,
  signSetState,
  SwarmRegistryAbi,
  TaskBoardAbi,
  type ConcordDeployment,
  type DecodedRevert,
} from "../../../sdk/index.ts";
import { DEV_MNEMONIC, eventOf, makeAgent, makeSender, type Agent, type Outcome } from "./agents.ts";
import { addRestConsensus, addRestState, chainView, compareViews, entityIds, graphqlView, restView, type Comparison } from "./compare.ts";
import { runConsensusPhase, type ConsensusReport } from "./consensus.ts";
import { short, table } from "./format.ts";

const ROOT_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");

export const DEMO_DEFAULTS = {
  rpcUrl: "http://127.0.0.1:8545",
  apiUrl: "http://127.0.0.1:42069",
  deploymentFile: path.join(ROOT_DIR, "indexer", "deployments", "31337.json"),
} as const;

export type DemoOptions = {
  /** Chain JSON-RPC (default http://127.0.0.1:8545). */
  rpcUrl?: string;
  /** Indexer base URL (default http://127.0.0.1:42069). */
  apiUrl?: string;
  /** The deployment, or the file to read it from (default indexer/deployments/31337.json). */
  deployment?: ConcordDeployment;
  deploymentFile?: string;
  /** Number of tasks to post (default 20, at least 8). */
  tasks?: number;
  /** How long to wait for the indexer to catch up (default 120 s). */
  indexerTimeoutMs?: number;
  /** Where the summary goes, line by line (default console.log). */
  log?: (line: string) => void;
};

export type DemoReport = {
  swarmId: bigint;
  chainId: number;
  lastBlock: bigint;
  indexedBlock: number;
  members: number;
  tasks: { posted: number; completed: number; relayedClaims: number; viaClaimNext: number };
  reclaimed: { taskId: bigint; staleEpoch: bigint; newEpoch: bigint };
  stateConflict: DecodedRevert | undefined;
  messages: number;
  consensus: ConsensusReport;
  comparison: Comparison;
  consistent: boolean;
};

const ERC20 = 1;
const POLICY = { Open: 0, Allowlist: 1, Invite: 2, TokenGated: 3 } as const;
const TYPE_TAGS = { compute: keccak256(toHex("compute")), review: keccak256(toHex("review")) } as const;
const LONG_LEASE = 3600;
const SHORT_LEASE = 60;

function describe(outcome: Outcome): string {
  if (outcome.ok) return "ok";
  if (outcome.error === undefined) return `reverted (${outcome.raw instanceof Error ? outcome.raw.message : String(outcome.raw)})`;
  return formatConcordError(outcome.error);
}

/** Runs the whole demo; resolves with the report (`consistent` false when the indexer disagrees with the chain). */
export async function runDemo(options: DemoOptions = {}): Promise<DemoReport> {
  const log = options.log ?? ((line: string) => console.log(line));
  const rpcUrl = options.rpcUrl ?? DEMO_DEFAULTS.rpcUrl;
  const apiUrl = options.apiUrl ?? DEMO_DEFAULTS.apiUrl;
  const deployment = options.deployment ?? (await readDeployment(options.deploymentFile ?? DEMO_DEFAULTS.deploymentFile));
  const taskTotal = Math.max(8, options.tasks ?? 20);
  const addresses = coordinationAddresses(deployment);
  const consensus = consensusAddresses(deployment);
  const started = Date.now();

  const chain = defineChain({
    id: deployment.chainId,
    name: `Concord local (${deployment.chainId})`,
    nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
    rpcUrls: { default: { http: [rpcUrl] } },
  });
  const transport = http(rpcUrl);
  const publicClient = createPublicClient({ chain, transport, pollingInterval: 50 });
  const testClient = createTestClient({ chain, transport, mode: "hardhat" });
  const indexer = createIndexerClient(apiUrl);

  const chainId = await publicClient.getChainId();
  if (chainId !== deployment.chainId) throw new Error(`${rpcUrl} is chain ${chainId}, the deployment is for chain ${deployment.chainId}`);
  for (const [name, address] of Object.entries({ ...addresses, ...consensus })) {
    const code = await publicClient.getCode({ address });
    if (code === undefined || code === "0x") throw new Error(`${name} has no code at ${address} on ${rpcUrl}: is this the stack the deployment file describes?`);
  }

  const { attempt, send } = makeSender(publicClient, [SwarmRegistryAbi, TaskBoardAbi, SharedStateAbi, MessageBusAbi] as unknown as Abi[]);
  const dev = (index: number) => mnemonicToAccount(DEV_MNEMONIC, { addressIndex: index });
  // Not dev(0): in `npm run dev` the deployer account #0 is also the relay's attestor, whose transactions would race ours on the nonce.
  const funder = makeAgent("funder", dev(9), chain, transport);
  const alice = makeAgent("alice", dev(1), chain, transport);
  const bob = makeAgent("bob", dev(2), chain, transport);
  const carol = makeAgent("carol", dev(3), chain, transport);
  const dave = makeAgent("dave", dev(4), chain, transport);
  const erin = makeAgent("erin", dev(5), chain, transport);
  const frank = makeAgent("frank", dev(6), chain, transport);
  const relay = makeAgent("relay", dev(7), chain, transport);
  const gus = makeAgent("gus", privateKeyToAccount(generatePrivateKey()), chain, transport);
  const agents = [alice, bob, carol, dave, erin, frank, gus, relay];
  const nameOf = (address: unknown) => agents.find((a) => a.address.toLowerCase() === String(address).toLowerCase())?.name ?? short(String(address));

  const registry = { address: addresses.SwarmRegistry, abi: SwarmRegistryAbi } as const;
  const board = { address: addresses.TaskBoard, abi: TaskBoardAbi } as const;
  const state = { address: addresses.SharedState, abi: SharedStateAbi } as const;
  const bus = { address: addresses.MessageBus, abi: MessageBusAbi } as const;
  const deadline = async (seconds = 3600) => (await publicClient.getBlock()).timestamp + BigInt(seconds);

  log(`Concord demo: chain ${chainId} at ${rpcUrl}, indexer at ${apiUrl}`);
  log(
    `  contracts: ${Object.entries({ ...addresses, ...consensus })
      .map(([name, address]) => `${name} ${short(address)}`)
      .join(", ")}`,
  );

  // ---------------------------------------------------------------------------------------------
  log("");
  log("[1] Agents (each signs with its own key)");
  const gusFunding = parseEther("0.05");
  await funder.wallet.sendTransaction({ to: gus.address, value: gusFunding }).then((hash) => publicClient.waitForTransactionReceipt({ hash }));
  const roles: Record<string, string> = {
    alice: "swarm owner, posts the tasks",
    bob: "worker",
    carol: "worker",
    dave: "worker",
    erin: "worker",
    frank: "worker (will crash holding a lease)",
    gus: `gasless worker: fresh key, ${formatEther(gusFunding)} ETH from account #0 only to join`,
    relay: "relayer: submits gus's signatures, not a member",
  };
  for (const line of table([["agent", "address", "role"], ...agents.map((a) => [a.name, a.address, roles[a.name]])])) log(line);

  // ---------------------------------------------------------------------------------------------
  log("");
  const created = await send(alice, {
    ...registry,
    functionName: "createSwarm",
    args: [{ policy: POLICY.Open, gateKind: 0, gateToken: zeroAddress, gateMinBalance: 0n, metadataURI: `ipfs://concord-demo/${Date.now()}` }, []],
  });
  const swarmId = eventOf(created, "SwarmCreated").swarmId as bigint;
  const fromBlock = created.receipt.blockNumber;
  log(`[2] Swarm #${swarmId} (created by alice in block ${fromBlock}); joining under each membership policy`);
  const joins: (readonly unknown[])[] = [["agent", "policy", "how", "block"], ["alice", "open", "creator (owner, first member)", fromBlock]];
  const joined = (agent: Agent, policy: string, how: string, sent: { receipt: { blockNumber: bigint } }) =>
    joins.push([agent.name, policy, how, sent.receipt.blockNumber]);

  // open: anyone joins
  const openJoins = await Promise.all([bob, carol].map((a) => send(a, { ...registry, functionName: "join", args: [swarmId, `ipfs://agents/${a.name}`] })));
  openJoins.forEach((sent, i) => joined([bob, carol][i]!, "open", "join()", sent));

  // allowlist: alice lists dave; the relayer, not listed, is turned away
  await send(alice, { ...registry, functionName: "setPolicy", args: [swarmId, POLICY.Allowlist, 0, zeroAddress, 0n] });
  await send(alice, { ...registry, functionName: "setAllowlist", args: [swarmId, [dave.address], true] });
  joined(dave, "allowlist", "join() after alice's setAllowlist", await send(dave, { ...registry, functionName: "join", args: [swarmId, "ipfs://agents/dave"] }));
  const notListed = await attempt(relay, { ...registry, functionName: "join", args: [swarmId, ""] });

  // invite: alice signs an invite for erin, and an open one-use invite that gus picks up
  await send(alice, { ...registry, functionName: "setPolicy", args: [swarmId, POLICY.Invite, 0, zeroAddress, 0n] });
  const registryDomain = await readDomain(publicClient, addresses.SwarmRegistry);
  const expiry = Number(await deadline(3600));
  const erinInvite = await signInvite(alice.account, registryDomain, { swarmId, invitee: erin.address, maxUses: 1, expiry, salt: keccak256(toHex(`erin-${swarmId}`)) });
  const openInvite = await signInvite(alice.account, registryDomain, { swarmId, invitee: zeroAddress, maxUses: 1, expiry, salt: keccak256(toHex(`anyone-${swarmId}`)) });
  joined(
    erin,
    "invite",
    `joinWithInvite (for erin, by alice, ${short(erinInvite.digest)})`,
    await send(erin, { ...registry, functionName: "joinWithInvite", args: [swarmId, erinInvite.message, alice.address, erinInvite.signature, "ipfs://agents/erin"] }),
  );
  joined(
    gus,
    "invite",
    `joinWithInvite (anyone, 1 use, ${short(openInvite.digest)})`,
    await send(gus, { ...registry, functionName: "joinWithInvite", args: [swarmId, openInvite.message, alice.address, openInvite.signature, "ipfs://agents/gus"] }),
  );
  const reused = await attempt(relay, { ...registry, functionName: "joinWithInvite", args: [swarmId, openInvite.message, alice.address, openInvite.signature, ""] });

  // token-gated: a fresh MockERC20 (from artifacts/) gates the swarm; frank holds enough
  const mock = JSON.parse(readFileSync(path.join(ROOT_DIR, "artifacts", "contracts", "mocks", "MockERC20.sol", "MockERC20.json"), "utf8")) as { abi: Abi; bytecode: Hex };
  const deployHash = await alice.wallet.deployContract({ abi: mock.abi, bytecode: mock.bytecode, args: ["Concord Demo Gate", "GATE"] });
  const gateToken = (await publicClient.waitForTransactionReceipt({ hash: deployHash })).contractAddress as Address;
  const gateMin = parseEther("50");
  await send(alice, { address: gateToken, abi: mock.abi, functionName: "mint", args: [frank.address, parseEther("100")] } as never);
  await send(alice, { ...registry, functionName: "setPolicy", args: [swarmId, POLICY.TokenGated, ERC20, gateToken, gateMin] });
  joined(frank, "token_gated", `join() holding 100 GATE (min 50, token ${short(gateToken)})`, await send(frank, { ...registry, functionName: "join", args: [swarmId, "ipfs://agents/frank"] }));
  const poor = await attempt(relay, { ...registry, functionName: "join", args: [swarmId, ""] });

  for (const line of table(joins)) log(line);
  log(`    turned away: relay under allowlist → ${describe(notListed)}`);
  log(`                 relay reusing gus's invite → ${describe(reused)}`);
  log(`                 relay without tokens → ${describe(poor)}`);
  const memberCount = await publicClient.readContract({ ...registry, functionName: "memberCount", args: [swarmId] });
  log(`    members on chain: ${memberCount}`);

  // ---------------------------------------------------------------------------------------------
  log("");
  const taskIds: bigint[] = [];
  const leaseOf = new Map<bigint, number>();
  for (let i = 0; i < taskTotal; i++) {
    const flaky = i === 0;
    const typeTag = i % 2 === 0 ? TYPE_TAGS.compute : TYPE_TAGS.review;
    const leaseTtl = flaky ? SHORT_LEASE : LONG_LEASE;
    const posted = await send(alice, {
      ...board,
      functionName: "post",
      args: [{ swarmId, typeTag, priority: (i * 7) % 16, leaseTtl, deadline: 0, specURI: `ipfs://concord-demo/spec/${i}`, specHash: keccak256(toHex(`spec-${swarmId}-${i}`)), rewardToken: zeroAddress, rewardAmount: 0n }],
    });
    const taskId = eventOf(posted, "TaskPosted").taskId as bigint;
    taskIds.push(taskId);
    leaseOf.set(taskId, leaseTtl);
  }
  const [flakyTask, ...rest] = taskIds as [bigint, ...bigint[]];
  log(`[3] alice posted ${taskIds.length} tasks #${taskIds[0]}..#${taskIds.at(-1)} (types compute/review, priorities 0..15, lease ${LONG_LEASE} s; #${flakyTask} has a ${SHORT_LEASE} s lease)`);

  // ---------------------------------------------------------------------------------------------
  log("");
  log("[4] Claims");
  const claims = new Map<bigint, { agent: Agent; epoch: bigint; via: string }>();
  const recordClaim = (agent: Agent, args: Record<string, unknown>, via: string) =>
    claims.set(args.taskId as bigint, { agent, epoch: args.epoch as bigint, via });

  const frankClaim = await send(frank, { ...board, functionName: "claim", args: [flakyTask] });
  recordClaim(frank, eventOf(frankClaim, "TaskClaimed"), "claim(id)");
  log(`    frank claimed #${flakyTask} by id (epoch ${eventOf(frankClaim, "TaskClaimed").epoch})`);

  // gasless: gus signs ClaimTask messages, the relayer submits them
  const boardDomain = await readDomain(publicClient, addresses.TaskBoard);
  const gusTasks = rest.slice(0, 4);
  const gusBalance = await publicClient.getBalance({ address: gus.address });
  let gusNonce = await publicClient.readContract({ ...board, functionName: "nonces", args: [gus.address] });
  for (const taskId of gusTasks) {
    const signed = await signClaimTask(gus.account, boardDomain, { taskId, claimant: gus.address, nonce: gusNonce++, deadline: await deadline() });
    const { message } = signed;
    const relayed = await send(relay, { ...board, functionName: "claimBySig", args: [message.taskId, message.claimant, message.nonce, message.deadline, signed.signature] });
    recordClaim(gus, eventOf(relayed, "TaskClaimed"), "claimBySig (relayed)");
  }
  log(`    gus signed ${gusTasks.length} ClaimTask messages; relay submitted them: ${gusTasks.map((t) => `#${t}`).join(" ")} (gus paid no gas)`);

  // head to head: bob and carol both want the same task
  const contested = rest[4]!;
  const [bobTry, carolTry] = await Promise.all([bob, carol].map((a) => attempt(a, { ...board, functionName: "claim", args: [contested] })));
  for (const [agent, outcome] of [[bob, bobTry!], [carol, carolTry!]] as const) {
    if (outcome.ok) recordClaim(agent, eventOf(outcome, "TaskClaimed"), "claim(id), won a race");
  }
  const winner = bobTry!.ok ? bob : carol;
  const loser = winner === bob ? carolTry! : bobTry!;
  log(`    bob and carol raced for #${contested}: ${winner.name} won; ${winner === bob ? "carol" : "bob"} → ${describe(loser)}`);

  // everyone else: claimNext until the queue is empty
  const racers = [bob, carol, dave, erin];
  const emptied: Outcome[] = [];
  await Promise.all(
    racers.map(async (agent) => {
      for (;;) {
        const outcome = await attempt(agent, { ...board, functionName: "claimNext", args: [swarmId, zeroHash] });
        if (!outcome.ok) {
          emptied.push(outcome);
          return;
        }
        recordClaim(agent, eventOf(outcome, "TaskClaimed"), "claimNext");
      }
    }),
  );
  const viaClaimNext = [...claims.values()].filter((c) => c.via === "claimNext").length;
  log(`    bob, carol, dave and erin raced with claimNext(swarm, any type) until the queue was empty:`);
  const rows: (readonly unknown[])[] = [["agent", "tasks", "how"]];
  for (const agent of [frank, gus, ...racers]) {
    const mine = [...claims.entries()].filter(([, c]) => c.agent === agent);
    if (mine.length === 0) continue;
    const hows = [...new Set(mine.map(([, c]) => c.via))].join(", ");
    rows.push([agent.name, mine.map(([id]) => `#${id}`).join(" "), hows]);
  }
  for (const line of table(rows)) log(line);
  const emptyReasons = [...new Set(emptied.map(describe))];
  log(`    then every claimNext → ${emptyReasons.join(" | ")}`);
  if (claims.size !== taskIds.length) throw new Error(`expected every task claimed, got ${claims.size} of ${taskIds.length}`);

  // ---------------------------------------------------------------------------------------------
  log("");
  log("[5] A lease runs out: frank crashed holding its task");
  await testClient.increaseTime({ seconds: SHORT_LEASE * 2 });
  await testClient.mine({ blocks: 1 });
  log(`    evm_increaseTime ${SHORT_LEASE * 2} s + evm_mine: #${flakyTask}'s ${SHORT_LEASE} s lease is over (the others have ${LONG_LEASE} s)`);
  const expired = await send(bob, { ...board, functionName: "expire", args: [flakyTask] });
  const expiredArgs = eventOf(expired, "TaskLeaseExpired");
  log(`    bob called expire(#${flakyTask}) → TaskLeaseExpired(claimant=${nameOf(expiredArgs.claimant)}, epoch=${expiredArgs.epoch}); the task is open again, at the front`);
  const reclaim = await send(dave, { ...board, functionName: "claimNext", args: [swarmId, zeroHash] });
  const reclaimArgs = eventOf(reclaim, "TaskClaimed");
  if (reclaimArgs.taskId !== flakyTask) throw new Error(`claimNext took #${reclaimArgs.taskId}, expected the reopened #${flakyTask}`);
  recordClaim(dave, reclaimArgs, "claimNext (reclaimed)");
  log(`    dave took it with claimNext → #${flakyTask} epoch ${reclaimArgs.epoch}`);
  const stale = await attempt(frank, { ...board, functionName: "complete", args: [flakyTask, 1n, "ipfs://late", zeroHash] });
  log(`    frank came back and tried to complete with epoch 1 → ${describe(stale)}`);
  if (stale.ok) throw new Error("a stale epoch completed a task");

  const renewTask = gusTasks[0]!;
  const renewSigned = await signRenewLease(gus.account, boardDomain, { taskId: renewTask, epoch: 1n, claimant: gus.address, nonce: gusNonce++, deadline: await deadline() });
  const renewed = await send(relay, {
    ...board,
    functionName: "renewBySig",
    args: [renewTask, 1n, gus.address, renewSigned.message.nonce, renewSigned.message.deadline, renewSigned.signature],
  });
  log(`    gus renewed #${renewTask} by signature (relayed): lease now ends at ${eventOf(renewed, "TaskLeaseRenewed").leaseExpiry}`);

  // ---------------------------------------------------------------------------------------------
  log("");
  const byAgent = new Map<Agent, [bigint, bigint][]>();
  for (const [taskId, claim] of claims) byAgent.set(claim.agent, [...(byAgent.get(claim.agent) ?? []), [taskId, claim.epoch]]);
  let relayedCompletions = 0;
  await Promise.all(
    [...byAgent.entries()].map(async ([agent, tasks]) => {
      for (const [taskId, epoch] of tasks) {
        const resultURI = `ipfs://concord-demo/result/${taskId}`;
        const resultHash = keccak256(toHex(`result-${taskId}`));
        if (agent === gus) {
          const signed = await signCompleteTask(gus.account, boardDomain, { taskId, epoch, claimant: gus.address, resultURI, resultHash, nonce: gusNonce++, deadline: await deadline() });
          await send(relay, { ...board, functionName: "completeBySig", args: [taskId, epoch, gus.address, resultURI, resultHash, signed.message.nonce, signed.message.deadline, signed.signature] });
          relayedCompletions++;
        } else {
          await send(agent, { ...board, functionName: "complete", args: [taskId, epoch, resultURI, resultHash] });
        }
      }
    }),
  );
  const statuses = await Promise.all(taskIds.map((id) => publicClient.readContract({ ...board, functionName: "getTask", args: [id] })));
  const completed = statuses.filter((t) => t.status === 3).length;
  const gusSpent = gusBalance - (await publicClient.getBalance({ address: gus.address }));
  log(`[6] Completed ${completed}/${taskIds.length} tasks (${relayedCompletions} by gus through completeBySig); gus spent ${formatEther(gusSpent)} ETH on gas since joining`);

  // ---------------------------------------------------------------------------------------------
  log("");
  log("[7] Shared state: compare-and-set");
  const configKey = keccak256(toHex("demo/config"));
  const scratchKey = keccak256(toHex("demo/scratch"));
  await send(bob, { ...state, functionName: "set", args: [swarmId, configKey, stringToHex('{"model":"v1"}'), 0n] });
  log(`    bob   set demo/config = {"model":"v1"}            version 0 → 1`);
  const writers = [carol, dave] as const;
  const cas = await Promise.all(
    writers.map((a) => attempt(a, { ...state, functionName: "set", args: [swarmId, configKey, stringToHex(`{"model":"v2","by":"${a.name}"}`), 1n] })),
  );
  const casWinner = cas[0]!.ok ? writers[0] : writers[1];
  const casLoser = cas[0]!.ok ? cas[1]! : cas[0]!;
  if (cas.filter((o) => o.ok).length !== 1) throw new Error(`expected exactly one CAS winner, got ${cas.filter((o) => o.ok).length}`);
  log(`    carol and dave both set demo/config expecting version 1: ${casWinner.name} won (version 2)`);
  log(`    ${casWinner === carol ? "dave " : "carol"} → ${describe(casLoser)}`);
  const stateDomain = await readDomain(publicClient, addresses.SharedState);
  const gusWrite = await signSetState(gus.account, stateDomain, { swarmId, key: configKey, value: stringToHex('{"model":"v3","by":"gus"}'), expectedVersion: 2n, writer: gus.address, deadline: await deadline() });
  await send(relay, {
    ...state,
    functionName: "setBySig",
    args: [swarmId, configKey, gusWrite.message.value, 2n, gus.address, gusWrite.message.deadline, gusWrite.signature],
  });
  log(`    gus   set demo/config by signature (relayed)      version 2 → 3`);
  await send(erin, { ...state, functionName: "set", args: [swarmId, scratchKey, stringToHex("tmp"), 0n] });
  await send(erin, { ...state, functionName: "del", args: [swarmId, scratchKey, 1n] });
  log(`    erin  set then deleted demo/scratch                version 0 → 1 → 2 (deleted; the version is kept)`);

  // ---------------------------------------------------------------------------------------------
  log("");
  const topic = keccak256(toHex("demo/announcements"));
  await send(alice, { ...bus, functionName: "broadcast", args: [swarmId, topic, stringToHex(`all ${taskIds.length} tasks done`)] });
  await send(bob, { ...bus, functionName: "send", args: [swarmId, carol.address, keccak256(toHex("demo/dm")), stringToHex("thanks for the review")] });
  const busDomain = await readDomain(publicClient, addresses.MessageBus);
  const gusBroadcast = await signBroadcast(gus.account, busDomain, {
    swarmId,
    topic,
    payload: stringToHex("gus was here (gasless)"),
    sender: gus.address,
    nonce: await publicClient.readContract({ ...bus, functionName: "nonces", args: [gus.address] }),
    deadline: await deadline(),
  });
  await send(relay, {
    ...bus,
    functionName: "broadcastBySig",
    args: [swarmId, topic, gusBroadcast.message.payload, gus.address, gusBroadcast.message.nonce, gusBroadcast.message.deadline, gusBroadcast.signature],
  });
  const lastMessageId = await publicClient.readContract({ ...bus, functionName: "lastMessageId", args: [swarmId] });
  log(`[8] Messages: alice broadcast, bob → carol direct, gus broadcast by signature (relayed): ${lastMessageId} messages`);

  // ---------------------------------------------------------------------------------------------
  const consensusReport = await runConsensusPhase({ publicClient, testClient, addresses: consensus, swarmId, agents: { alice, bob, carol, dave, erin, frank, gus, relay }, log });

  // ---------------------------------------------------------------------------------------------
  log("");
  const lastBlock = await publicClient.getBlockNumber();
  const waitStarted = Date.now();
  const indexedBlock = await indexer.waitForBlock(lastBlock, { chainId, timeoutMs: options.indexerTimeoutMs ?? 120_000 });
  log(`[10] Indexer vs chain: the indexer reached block ${indexedBlock} (chain head ${lastBlock}) after ${Date.now() - waitStarted} ms`);
  const chainSide = await chainView({ publicClient, addresses, swarmId, fromBlock, toBlock: lastBlock, consensus });
  const graphqlSide = await graphqlView(indexer, swarmId);
  const restSide = await restView(indexer, swarmId);
  const stateKeys = new Set<Hex>();
  for (const key of [...chainSide.keys(), ...graphqlSide.keys()]) {
    const match = /^state\[(0x[0-9a-f]{64})\]/.exec(key);
    if (match) stateKeys.add(match[1] as Hex);
  }
  await addRestState(restSide, indexer, swarmId, stateKeys);
  await addRestConsensus(restSide, indexer, swarmId, entityIds(chainSide, graphqlSide));
  const comparison = compareViews({ chain: chainSide, rest: restSide, graphql: graphqlSide });
  const compared: (readonly unknown[])[] = [["what", "chain", "REST", "GraphQL", "differences"]];
  const what = {
    swarm: "swarm (owner, policy, memberCount)",
    members: "members (active, joinedVia)",
    tasks: "tasks (status, claimant, epoch)",
    state: "state keys (version, value, deleted)",
    messages: "messages (kind, sender, recipient, payload)",
    leader: "leader (config, leader, term, lease, live)",
    locks: "locks (holder, token, expiresAt, live)",
    proposals: "proposals (state, tallies, outcome)",
  };
  for (const s of comparison.sections) compared.push([what[s.section], s.chain, s.rest, s.graphql, s.diffs === 0 ? "none" : s.diffs]);
  for (const line of table(compared)) log(line);
  if (comparison.consistent) {
    log(`    CONSISTENT: the indexer agrees with the chain on all ${chainSide.size} compared fields (${((Date.now() - started) / 1000).toFixed(1)} s in all)`);
  } else {
    log(`    INCONSISTENT: ${comparison.diffs.length} fields differ:`);
    for (const diff of comparison.diffs) log(`      ${diff}`);
  }

  return {
    swarmId,
    chainId,
    lastBlock,
    indexedBlock,
    members: Number(memberCount),
    tasks: { posted: taskIds.length, completed, relayedClaims: gusTasks.length, viaClaimNext },
    reclaimed: { taskId: flakyTask, staleEpoch: 1n, newEpoch: reclaimArgs.epoch as bigint },
    stateConflict: casLoser.ok ? undefined : casLoser.error,
    messages: Number(lastMessageId),
    consensus: consensusReport,
    comparison,
    consistent: comparison.consistent,
  };
}
