/**
 * Compares the indexer's view of one swarm (REST /v1 routes and GraphQL) with the chain's (contract views,
 * with the entities to look at enumerated from the chain's own logs). Each view is flattened to
 * `path → value` (e.g. `task[7].epoch → "2"`), so the diff names exactly what differs.
 */
import { zeroAddress, type Address, type Chain, type Hex, type PublicClient, type Transport } from "viem";
import { MessageBusAbi, SharedStateAbi, SwarmRegistryAbi, TaskBoardAbi, type ConcordAddresses, type IndexerClient } from "../../../sdk/index.ts";

export const POLICY_NAMES = ["open", "allowlist", "invite", "token_gated"] as const;
export const TASK_STATUS_NAMES = ["none", "open", "claimed", "completed", "cancelled", "expired"] as const;

/** `path → value` (values as strings; addresses and hex lowercase; absent = "null"). */
export type View = Map<string, string>;

export type Section = "swarm" | "members" | "tasks" | "state" | "messages";
export const SECTIONS: readonly Section[] = ["swarm", "members", "tasks", "state", "messages"];

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
  if (path.startsWith("member")) return "members";
  if (path.startsWith("task")) return "tasks";
  if (path.startsWith("state")) return "state";
  return "messages";
};

/** Number of distinct entities (`task[7]`, `member[0x…]`, …) of a section in a view. */
function entityCount(view: View, section: Section): number {
  if (section === "swarm") return [...view.keys()].some((k) => k.startsWith("swarm.")) ? 1 : 0;
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
};

/** The chain's view of the swarm. */
export async function chainView({ publicClient, addresses, swarmId, fromBlock, toBlock }: ChainViewInput): Promise<View> {
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
  return view;
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
  }
`;

type GraphqlAnswer = {
  swarm: { owner: string; policy: string; memberCount: string } | null;
  members: { items: { address: string; joinedVia: string }[] };
  tasks: { items: { id: string; status: string; claimant: string | null; epoch: string }[] };
  stateKeys: { items: { key: string; version: string; deleted: boolean; value: string | null }[] };
  messages: { items: { messageId: string; kind: string; sender: string; recipient: string | null; payload: string }[] };
};

/** The indexer's view through GraphQL (one query). */
export async function graphqlView(indexer: IndexerClient, swarmId: bigint): Promise<View> {
  const data = await indexer.graphql<GraphqlAnswer>(GRAPHQL_QUERY, { swarmId: swarmId.toString() });
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
