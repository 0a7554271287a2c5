/**
 * Compares the indexer's view of one swarm (REST /v1 routes and GraphQL) with the chain's (contract views,
 * with the entities to look at enumerated from the chain's own logs). Each view is flattened to
 * `path → value` (e.g. `task[7].epoch → "2"`), so the diff names exactly what differs.
 */
import { zeroAddress, type Address, type Chain, type Hex, type PublicClient, type Transport } from "viem";
import {
  LeaderElectionAbi,
  LockManagerAbi,
  MessageBusAbi,
  ProposalsAbi,
  SharedStateAbi,
  SwarmRegistryAbi,
  TaskBoardAbi,
  type ConcordAddresses,
  type ConsensusAddresses,
  type IndexerClient,
} from "../../../sdk/index.ts";

export const POLICY_NAMES = ["open", "allowlist", "invite", "token_gated"] as const;
export const TASK_STATUS_NAMES = ["none", "open", "claimed", "completed", "cancelled", "expired"] as const;
export const ELECTION_MODE_NAMES = ["none", "lease", "vote"] as const;
export const QUORUM_KIND_NAMES = ["majority", "byzantine"] as const;
export const WEIGHTING_NAMES = ["head", "stake"] as const;
/** IProposals.ProposalState, as the REST route names it. */
export const PROPOSAL_STATE_NAMES = ["none", "pending", "active", "revealing", "ended", "cancelled", "passed", "rejected", "quorum_not_reached", "executed"] as const;
export const OUTCOME_NAMES = ["none", "passed", "rejected", "quorum_not_reached"] as const;

/** `path → value` (values as strings; addresses and hex lowercase; absent = "null"). */
export type View = Map<string, string>;

export type Section = "swarm" | "members" | "tasks" | "state" | "messages" | "leader" | "locks" | "proposals";
export const SECTIONS: readonly Section[] = ["swarm", "members", "tasks", "state", "messages", "leader", "locks", "proposals"];

export type ViewSet = { chain: View; rest: View; graphql: View };

export type Comparison = {
  views: ViewSet;
  /** Per section: how many entities the chain has, the indexer's count (REST / GraphQL) and the number of differing paths. */
  sections: { section: Section; chain: number; rest: number; graphql: number; diffs: number }[];
  /** One line per differing path: `task[7].status: chain=completed rest=claimed graphql=claimed`. */
  diffs: string[];
  consistent: boolean;
};

const str = (value: unknown): string => {
  if (value === null || value === undefined) return "null";
  if (typeof value === "string") return /^0x[0-9a-fA-F]*$/.test(value) ? value.toLowerCase() : value;
  return String(value);
};

const sectionOf = (path: string): Section => {
  if (path.startsWith("swarm.")) return "swarm";
  if (path.startsWith("leader.")) return "leader";
  if (path.startsWith("lock[")) return "locks";
  if (path.startsWith("proposal[")) return "proposals";
  if (path.startsWith("member")) return "members";
  if (path.startsWith("task")) return "tasks";
  if (path.startsWith("state")) return "state";
  return "messages";
};

/** Number of distinct entities (`task[7]`, `member[0x…]`, …) of a section in a view. */
function entityCount(view: View, section: Section): number {
  if (section === "swarm" || section === "leader") return [...view.keys()].some((k) => k.startsWith(`${section}.`)) ? 1 : 0;
  const ids = new Set<string>();
  for (const key of view.keys()) {
    if (sectionOf(key) !== section) continue;
    const match = /^[a-z]+\[[^\]]+\]/.exec(key);
    if (match) ids.add(match[0]);
  }
  return ids.size;
}

export type ChainViewInput = {
  publicClient: PublicClient<Transport, Chain>;
  addresses: ConcordAddresses;
  swarmId: bigint;
  /** Where to start reading logs (the swarm's creation block). */
  fromBlock: bigint;
  toBlock: bigint;
  /** Also compare the swarm's leader, locks and proposals. */
  consensus?: ConsensusAddresses;
};

/** The chain's view of the swarm. */
export async function chainView({ publicClient, addresses, swarmId, fromBlock, toBlock, consensus }: ChainViewInput): Promise<View> {
  const view: View = new Map();
  const range = { fromBlock, toBlock };
  const read = <T>(address: Address, abi: unknown, functionName: string, args: readonly unknown[]) =>
    publicClient.readContract({ address, abi, functionName, args, blockNumber: toBlock } as Parameters<typeof publicClient.readContract>[0]) as Promise<T>;

  // swarm
  const owner = await read<Address>(addresses.SwarmRegistry, SwarmRegistryAbi, "swarmOwner", [swarmId]);
  const config = await read<{ policy: number }>(addresses.SwarmRegistry, SwarmRegistryAbi, "swarmConfig", [swarmId]);
  const memberCount = await read<bigint>(addresses.SwarmRegistry, SwarmRegistryAbi, "memberCount", [swarmId]);
  view.set("swarm.owner", str(owner));
  view.set("swarm.policy", POLICY_NAMES[config.policy] ?? `policy${config.policy}`);
  view.set("swarm.memberCount", str(memberCount));

  // members: every account that ever joined (from the logs), kept if the registry says it still is a member
  const joins = await publicClient.getContractEvents({ address: addresses.SwarmRegistry, abi: SwarmRegistryAbi, eventName: "MemberJoined", args: { swarmId }, ...range });
  const lastVia = new Map<string, number>();
  for (const log of joins) lastVia.set(log.args.member!.toLowerCase(), Number(log.args.via));
  for (const [member, via] of lastVia) {
    if (await read<boolean>(addresses.SwarmRegistry, SwarmRegistryAbi, "isMember", [swarmId, member])) {
      view.set(`member[${member}].joinedVia`, POLICY_NAMES[via] ?? `policy${via}`);
    }
  }

  // tasks
  const posted = await publicClient.getContractEvents({ address: addresses.TaskBoard, abi: TaskBoardAbi, eventName: "TaskPosted", args: { swarmId }, ...range });
  for (const log of posted) {
    const taskId = log.args.taskId!;
    const task = await read<{ status: number; claimant: Address; epoch: bigint }>(addresses.TaskBoard, TaskBoardAbi, "getTask", [taskId]);
    view.set(`task[${taskId}].status`, TASK_STATUS_NAMES[task.status] ?? `status${task.status}`);
    view.set(`task[${taskId}].claimant`, task.claimant === zeroAddress ? "null" : str(task.claimant));
    view.set(`task[${taskId}].epoch`, str(task.epoch));
  }

  // shared state: every key written or deleted in the swarm
  const keys = new Set<Hex>();
  for (const eventName of ["StateSet", "StateDeleted"] as const) {
    const logs = await publicClient.getContractEvents({ address: addresses.SharedState, abi: SharedStateAbi, eventName, args: { swarmId }, ...range });
    for (const log of logs) keys.add((log.args as { key: Hex }).key.toLowerCase() as Hex);
  }
  for (const key of keys) {
    const [value, version, exists] = await read<[Hex, bigint, boolean]>(addresses.SharedState, SharedStateAbi, "get", [swarmId, key]);
    view.set(`state[${key}].version`, str(version));
    view.set(`state[${key}].deleted`, str(!exists));
    view.set(`state[${key}].value`, exists ? str(value) : "null");
  }

  // messages: payloads live only in events
  const broadcasts = await publicClient.getContractEvents({ address: addresses.MessageBus, abi: MessageBusAbi, eventName: "MessageBroadcast", args: { swarmId }, ...range });
  for (const log of broadcasts) {
    const id = log.args.messageId!;
    view.set(`message[${id}].kind`, "broadcast");
    view.set(`message[${id}].sender`, str(log.args.sender));
    view.set(`message[${id}].recipient`, "null");
    view.set(`message[${id}].payload`, str(log.args.payload));
  }
  const directs = await publicClient.getContractEvents({ address: addresses.MessageBus, abi: MessageBusAbi, eventName: "DirectMessageSent", args: { swarmId }, ...range });
  for (const log of directs) {
    const id = log.args.messageId!;
    view.set(`message[${id}].kind`, "direct");
    view.set(`message[${id}].sender`, str(log.args.from));
    view.set(`message[${id}].recipient`, str(log.args.to));
    view.set(`message[${id}].payload`, str(log.args.payload));
  }
  view.set("messages.lastMessageId", str(await read<bigint>(addresses.MessageBus, MessageBusAbi, "lastMessageId", [swarmId])));
  if (consensus !== undefined) await addChainConsensus(view, { publicClient, consensus, swarmId, fromBlock, toBlock });
  return view;
}

/**
 * The swarm's consensus state as the contracts answer at `toBlock`: leader (config, seat, `isLeader`), every
 * lock ever acquired in the swarm (`getLock`, `isCurrent`), every proposal created in it (`state`, `tallies`,
 * `outcome`). The clock-derived answers are the contracts' own views evaluated in that block.
 */
async function addChainConsensus(
  view: View,
  { publicClient, consensus, swarmId, fromBlock, toBlock }: { publicClient: PublicClient<Transport, Chain>; consensus: ConsensusAddresses; swarmId: bigint; fromBlock: bigint; toBlock: bigint },
): Promise<void> {
  const range = { fromBlock, toBlock };
  const read = <T>(address: Address, abi: unknown, functionName: string, args: readonly unknown[]) =>
    publicClient.readContract({ address, abi, functionName, args, blockNumber: toBlock } as Parameters<typeof publicClient.readContract>[0]) as Promise<T>;

  const config = await read<{ mode: number; leaseDuration: number; quorumKind: number; weighting: number }>(consensus.LeaderElection, LeaderElectionAbi, "electionConfig", [swarmId]);
  const [leader, term, leaseExpiresAt] = await read<readonly [Address, bigint, number]>(consensus.LeaderElection, LeaderElectionAbi, "currentLeader", [swarmId]);
  view.set("leader.mode", ELECTION_MODE_NAMES[config.mode] ?? `mode${config.mode}`);
  view.set("leader.leaseDuration", str(config.leaseDuration));
  view.set("leader.quorumKind", QUORUM_KIND_NAMES[config.quorumKind] ?? `quorum${config.quorumKind}`);
  view.set("leader.weighting", WEIGHTING_NAMES[config.weighting] ?? `weighting${config.weighting}`);
  view.set("leader.leader", leader === zeroAddress ? "null" : str(leader));
  view.set("leader.term", str(term));
  view.set("leader.leaseExpiresAt", leader === zeroAddress ? "null" : str(leaseExpiresAt));
  view.set("leader.live", str(leader !== zeroAddress && (await read<boolean>(consensus.LeaderElection, LeaderElectionAbi, "isLeader", [swarmId, leader, term]))));

  const acquired = await publicClient.getContractEvents({ address: consensus.LockManager, abi: LockManagerAbi, eventName: "LockAcquired", args: { swarmId }, ...range });
  for (const name of new Set(acquired.map((log) => log.args.lockName!.toLowerCase() as Hex))) {
    const [holder, token, expiresAt] = await read<readonly [Address, bigint, number]>(consensus.LockManager, LockManagerAbi, "getLock", [swarmId, name]);
    const id = `${swarmId}:${name}`;
    view.set(`lock[${id}].holder`, holder === zeroAddress ? "null" : str(holder));
    view.set(`lock[${id}].token`, str(token));
    view.set(`lock[${id}].expiresAt`, holder === zeroAddress ? "null" : str(expiresAt));
    view.set(`lock[${id}].live`, str(await read<boolean>(consensus.LockManager, LockManagerAbi, "isCurrent", [swarmId, name, token])));
  }

  const created = await publicClient.getContractEvents({ address: consensus.Proposals, abi: ProposalsAbi, eventName: "ProposalCreated", args: { swarmId }, ...range });
  for (const log of created) {
    const id = log.args.proposalId!;
    const state = await read<number>(consensus.Proposals, ProposalsAbi, "state", [id]);
    const [perOption, totalCast] = await read<readonly [readonly bigint[], bigint]>(consensus.Proposals, ProposalsAbi, "tallies", [id]);
    const [outcome, winningOption] = await read<readonly [number, number]>(consensus.Proposals, ProposalsAbi, "outcome", [id]);
    view.set(`proposal[${id}].state`, PROPOSAL_STATE_NAMES[state] ?? `state${state}`);
    view.set(`proposal[${id}].tallies`, perOption.map(String).join(","));
    view.set(`proposal[${id}].totalCast`, str(totalCast));
    view.set(`proposal[${id}].outcome`, outcome === 0 ? "null" : (OUTCOME_NAMES[outcome] ?? `outcome${outcome}`));
    view.set(`proposal[${id}].winningOption`, outcome === 0 ? "null" : str(winningOption));
  }
}

/** The indexer's view through the /v1 REST routes. */
export async function restView(indexer: IndexerClient, swarmId: bigint): Promise<View> {
  const view: View = new Map();
  const swarm = await indexer.getSwarm(swarmId);
  if (swarm !== undefined) {
    view.set("swarm.owner", str(swarm.owner));
    view.set("swarm.policy", swarm.policy);
    view.set("swarm.memberCount", str(swarm.memberCount));
  }
  for (const member of await indexer.listMembers(swarmId, { status: "active" })) {
    view.set(`member[${str(member.address)}].joinedVia`, member.joinedVia);
  }
  for (const task of await indexer.listTasks(swarmId)) {
    view.set(`task[${task.id}].status`, task.status);
    view.set(`task[${task.id}].claimant`, str(task.claimant));
    view.set(`task[${task.id}].epoch`, str(task.epoch));
  }
  // REST reads state key by key: ask for the keys the GraphQL view (or the chain) knows, see compareViews.
  let lastId = 0n;
  for (const message of await indexer.listMessages(swarmId)) {
    const id = message.messageId;
    view.set(`message[${id}].kind`, message.kind);
    view.set(`message[${id}].sender`, str(message.sender));
    view.set(`message[${id}].recipient`, str(message.recipient));
    view.set(`message[${id}].payload`, str(message.payload));
    if (BigInt(id) > lastId) lastId = BigInt(id);
  }
  view.set("messages.lastMessageId", str(lastId));
  return view;
}

/**
 * Adds the consensus routes to a REST view: `/v1/swarms/:id/leader`, and `/v1/locks/:id` and
 * `/v1/proposals/:id` for the locks and proposals named by the other views (see entityIds).
 */
export async function addRestConsensus(view: View, indexer: IndexerClient, swarmId: bigint, ids: { locks: Iterable<string>; proposals: Iterable<string> }): Promise<void> {
  const leadership = await indexer.getLeader(swarmId);
  if (leadership !== undefined) {
    view.set("leader.mode", leadership.mode);
    view.set("leader.leaseDuration", str(leadership.leaseDuration));
    view.set("leader.quorumKind", leadership.quorumKind);
    view.set("leader.weighting", leadership.weighting);
    view.set("leader.leader", str(leadership.leader));
    view.set("leader.term", str(leadership.term));
    view.set("leader.leaseExpiresAt", leadership.leader === null ? "null" : str(leadership.leaseExpiresAt));
    view.set("leader.live", str(leadership.live));
  }
  for (const id of ids.locks) {
    const [, name] = id.split(":") as [string, Hex];
    const lock = await indexer.getLock(swarmId, name);
    if (lock === undefined) continue;
    view.set(`lock[${id}].holder`, str(lock.holder));
    view.set(`lock[${id}].token`, str(lock.token));
    view.set(`lock[${id}].expiresAt`, lock.holder === null ? "null" : str(lock.expiresAt));
    view.set(`lock[${id}].live`, str(lock.live));
  }
  for (const id of ids.proposals) {
    const proposal = await indexer.getProposal(BigInt(id));
    if (proposal === undefined) continue;
    view.set(`proposal[${id}].state`, proposal.state);
    view.set(`proposal[${id}].tallies`, proposal.tallies.join(","));
    view.set(`proposal[${id}].totalCast`, str(proposal.totalCast));
    view.set(`proposal[${id}].outcome`, str(proposal.outcome));
    view.set(`proposal[${id}].winningOption`, str(proposal.winningOption));
  }
}

/** The lock ids (`<swarmId>:<name>`) and proposal ids any of `views` mentions. */
export function entityIds(...views: View[]): { locks: Set<string>; proposals: Set<string> } {
  const locks = new Set<string>();
  const proposals = new Set<string>();
  for (const view of views) {
    for (const key of view.keys()) {
      const lock = /^lock\[([^\]]+)\]/.exec(key);
      if (lock) locks.add(lock[1]!);
      const proposal = /^proposal\[(\d+)\]/.exec(key);
      if (proposal) proposals.add(proposal[1]!);
    }
  }
  return { locks, proposals };
}

/** Adds `/v1/swarms/:id/state/:key` answers for `keys` to a REST view. */
export async function addRestState(view: View, indexer: IndexerClient, swarmId: bigint, keys: Iterable<Hex>): Promise<void> {
  for (const key of keys) {
    const entry = await indexer.getState(swarmId, key);
    if (entry === undefined) continue;
    view.set(`state[${key}].version`, str(entry.version));
    view.set(`state[${key}].deleted`, str(entry.deleted));
    view.set(`state[${key}].value`, entry.deleted ? "null" : str(entry.value));
  }
}

const GRAPHQL_QUERY = /* GraphQL */ `
  query DemoSwarm($swarmId: BigInt!) {
    swarm(id: $swarmId) { owner policy memberCount }
    members(where: { swarmId: $swarmId, active: true }, limit: 1000) { items { address joinedVia } }
    tasks(where: { swarmId: $swarmId }, orderBy: "id", orderDirection: "asc", limit: 1000) { items { id status claimant epoch } }
    stateKeys(where: { swarmId: $swarmId }, limit: 1000) { items { key version deleted value } }
    messages(where: { swarmId: $swarmId }, orderBy: "messageId", orderDirection: "asc", limit: 1000) {
      items { messageId kind sender recipient payload }
    }
    leadership(swarmId: $swarmId) { mode leaseDuration quorumKind weighting leader term leaseExpiresAt }
    locks(where: { swarmId: $swarmId }, limit: 1000) { items { swarmId lockName holder token expiresAt status } }
    proposals(where: { swarmId: $swarmId }, orderBy: "id", orderDirection: "asc", limit: 1000) {
      items { id status voteStart voteEnd revealEnd votingMode tallies totalCast outcome winningOption }
    }
  }
`;

type GraphqlAnswer = {
  swarm: { owner: string; policy: string; memberCount: string } | null;
  members: { items: { address: string; joinedVia: string }[] };
  tasks: { items: { id: string; status: string; claimant: string | null; epoch: string }[] };
  stateKeys: { items: { key: string; version: string; deleted: boolean; value: string | null }[] };
  messages: { items: { messageId: string; kind: string; sender: string; recipient: string | null; payload: string }[] };
  leadership: { mode: string; leaseDuration: string; quorumKind: string; weighting: string; leader: string | null; term: string; leaseExpiresAt: string | null } | null;
  locks: { items: { swarmId: string; lockName: string; holder: string | null; token: string; expiresAt: string | null; status: string }[] };
  proposals: {
    items: {
      id: string;
      status: string;
      voteStart: string;
      voteEnd: string;
      revealEnd: string;
      votingMode: string;
      tallies: string[];
      totalCast: string;
      outcome: string | null;
      winningOption: number | null;
    }[];
  };
};

/**
 * The indexer's view through GraphQL (one query). GraphQL has no clock: the clock-derived fields (a lease
 * live, a proposal's state) are computed here from the stored times and the indexer's own head block
 * (`/status`), the rule the REST routes apply at their `asOf`.
 */
export async function graphqlView(indexer: IndexerClient, swarmId: bigint): Promise<View> {
  const data = await indexer.graphql<GraphqlAnswer>(GRAPHQL_QUERY, { swarmId: swarmId.toString() });
  const head = Object.values(await indexer.status())[0];
  const now = BigInt(head?.block.timestamp ?? 0);
  const view: View = new Map();
  if (data.swarm !== null) {
    view.set("swarm.owner", str(data.swarm.owner));
    view.set("swarm.policy", data.swarm.policy);
    view.set("swarm.memberCount", str(data.swarm.memberCount));
  }
  for (const m of data.members.items) view.set(`member[${str(m.address)}].joinedVia`, m.joinedVia);
  for (const t of data.tasks.items) {
    view.set(`task[${t.id}].status`, t.status);
    view.set(`task[${t.id}].claimant`, str(t.claimant));
    view.set(`task[${t.id}].epoch`, str(t.epoch));
  }
  for (const s of data.stateKeys.items) {
    view.set(`state[${str(s.key)}].version`, str(s.version));
    view.set(`state[${str(s.key)}].deleted`, str(s.deleted));
    view.set(`state[${str(s.key)}].value`, s.deleted ? "null" : str(s.value));
  }
  let lastId = 0n;
  for (const msg of data.messages.items) {
    view.set(`message[${msg.messageId}].kind`, msg.kind);
    view.set(`message[${msg.messageId}].sender`, str(msg.sender));
    view.set(`message[${msg.messageId}].recipient`, str(msg.recipient));
    view.set(`message[${msg.messageId}].payload`, str(msg.payload));
    if (BigInt(msg.messageId) > lastId) lastId = BigInt(msg.messageId);
  }
  view.set("messages.lastMessageId", str(lastId));

  const l = data.leadership;
  if (l !== null) {
    view.set("leader.mode", l.mode);
    view.set("leader.leaseDuration", str(l.leaseDuration));
    view.set("leader.quorumKind", l.quorumKind);
    view.set("leader.weighting", l.weighting);
    view.set("leader.leader", str(l.leader));
    view.set("leader.term", str(l.term));
    view.set("leader.leaseExpiresAt", l.leader === null ? "null" : str(l.leaseExpiresAt));
    view.set("leader.live", str(l.leader !== null && l.leaseExpiresAt !== null && now < BigInt(l.leaseExpiresAt)));
  }
  for (const lock of data.locks.items) {
    const id = `${lock.swarmId}:${str(lock.lockName)}`;
    const held = lock.status === "held" && lock.holder !== null;
    view.set(`lock[${id}].holder`, held ? str(lock.holder) : "null");
    view.set(`lock[${id}].token`, str(lock.token));
    view.set(`lock[${id}].expiresAt`, held ? str(lock.expiresAt) : "null");
    view.set(`lock[${id}].live`, str(held && lock.expiresAt !== null && now < BigInt(lock.expiresAt)));
  }
  for (const p of data.proposals.items) {
    let state = p.status;
    if (p.status === "open") {
      if (now < BigInt(p.voteStart)) state = "pending";
      else if (now <= BigInt(p.voteEnd)) state = "active";
      else if (p.votingMode === "commit_reveal" && now <= BigInt(p.revealEnd)) state = "revealing";
      else state = "ended";
    }
    view.set(`proposal[${p.id}].state`, state);
    view.set(`proposal[${p.id}].tallies`, p.tallies.join(","));
    view.set(`proposal[${p.id}].totalCast`, str(p.totalCast));
    view.set(`proposal[${p.id}].outcome`, str(p.outcome));
    view.set(`proposal[${p.id}].winningOption`, str(p.winningOption));
  }
  return view;
}

/** Diffs the three views path by path. */
export function compareViews(views: ViewSet): Comparison {
  const paths = new Set([...views.chain.keys(), ...views.rest.keys(), ...views.graphql.keys()]);
  const diffs: string[] = [];
  const diffCount = new Map<Section, number>();
  for (const path of [...paths].sort(naturalOrder)) {
    const chain = views.chain.get(path) ?? "(absent)";
    const rest = views.rest.get(path) ?? "(absent)";
    const graphql = views.graphql.get(path) ?? "(absent)";
    if (chain === rest && chain === graphql) continue;
    diffs.push(`${path}: chain=${chain} rest=${rest} graphql=${graphql}`);
    const section = sectionOf(path);
    diffCount.set(section, (diffCount.get(section) ?? 0) + 1);
  }
  const sections = SECTIONS.map((section) => ({
    section,
    chain: entityCount(views.chain, section),
    rest: entityCount(views.rest, section),
    graphql: entityCount(views.graphql, section),
    diffs: diffCount.get(section) ?? 0,
  }));
  return { views, sections, diffs, consistent: diffs.length === 0 };
}

/** Sorts `task[9]` before `task[10]`. */
function naturalOrder(a: string, b: string): number {
  return a.localeCompare(b, "en", { numeric: true });
}
