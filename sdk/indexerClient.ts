/**
 * A small client of the Concord indexer's HTTP API (Ponder + Hono): `/graphql`, Ponder's `/status`, and the
 * `/v1` REST routes. Numbers that may exceed 2^53 (ids, versions, epochs, timestamps) arrive as decimal
 * strings; addresses and hashes are lowercase.
 *
 *   const indexer = createIndexerClient("http://127.0.0.1:42069");
 *   await indexer.waitForBlock(await publicClient.getBlockNumber(), { chainId: 31337 });
 *   const tasks = await indexer.listTasks(1n, { status: ["open"] });
 */
import type { Address, Hex } from "viem";
import { IndexerError } from "./errors.ts";

export type IndexedSwarm = {
  id: string;
  owner: Address;
  policy: "open" | "allowlist" | "invite" | "token_gated";
  gateKind: "none" | "erc20" | "erc721";
  gateToken: Address;
  gateMinBalance: string;
  metadataUri: string;
  memberCount: string;
  admins: Address[];
  rateLimit: { maxMessages: number; windowSeconds: number };
  claimCap: number;
};

export type IndexedMember = {
  swarmId: string;
  address: Address;
  metadataUri: string;
  active: boolean;
  joinedVia: "open" | "allowlist" | "invite" | "token_gated";
  joinedAt: string;
  joinCount: number;
  exitReason: "left" | "removed" | null;
};

export type IndexedTaskStatus = "open" | "claimed" | "completed" | "cancelled" | "expired";

export type IndexedTask = {
  id: string;
  swarmId: string;
  poster: Address;
  typeTag: Hex;
  priority: number;
  specUri: string;
  status: IndexedTaskStatus;
  claimant: Address | null;
  epoch: string;
  leaseExpiry: string | null;
  claimCount: number;
  resultUri: string | null;
  rewardToken: Address;
  rewardAmount: string;
};

export type IndexedTaskEvent = {
  kind: string;
  status: IndexedTaskStatus;
  epoch: string;
  actor: Address;
  claimant: Address | null;
  relayer: Address | null;
  blockNumber: string;
  logIndex: number;
};

export type IndexedStateEntry = {
  swarmId: string;
  key: Hex;
  value: Hex | null;
  valueHash: Hex | null;
  version: string;
  deleted: boolean;
  lastWriter: Address;
  restricted: boolean;
  writers: Address[];
};

export type IndexedMessage = {
  swarmId: string;
  messageId: string;
  kind: "broadcast" | "direct";
  sender: Address;
  recipient: Address | null;
  topic: Hex;
  payload: Hex;
  blockNumber: string;
  txHash: Hex;
};

/** The latest indexed block whose clock the clock-derived fields use. */
export type AsOf = { blockNumber: string; timestamp: string };

/** GET /v1/swarms/:id/leader */
export type IndexedLeadership = {
  swarmId: string;
  mode: "none" | "lease" | "vote";
  leaseDuration: string;
  quorumKind: "majority" | "byzantine";
  weighting: "head" | "stake";
  term: string;
  leader: Address | null;
  leaseExpiresAt: string | null;
  electedHow: "campaign" | "vote" | null;
  votesWeight: string | null;
  totalWeight: string | null;
  previousLeader: Address | null;
  electionCount: number;
  live: boolean;
  asOf: AsOf;
};

/** GET /v1/locks/:id */
export type IndexedLock = {
  id: string;
  swarmId: string;
  lockName: Hex;
  status: "held" | "released";
  state: "held" | "expired" | "released";
  live: boolean;
  holder: Address | null;
  lastHolder: Address;
  token: string;
  expiresAt: string | null;
  acquireCount: number;
  renewCount: number;
  expiredCount: number;
  asOf: AsOf;
  history: { kind: "acquired" | "renewed" | "released"; holder: Address; token: string; expiresAt: string | null; previousHolder: Address | null; previousToken: string | null; tookOverExpired: boolean; blockNumber: string }[];
};

/** GET /v1/proposals/:id (and the items of /v1/swarms/:id/proposals, without votes and history) */
export type IndexedProposal = {
  id: string;
  swarmId: string;
  proposer: Address;
  optionCount: number;
  votingMode: "open" | "commit_reveal";
  weighting: "head" | "stake";
  quorumBps: number;
  thresholdKind: "majority" | "supermajority" | "unanimity";
  denominator: string;
  actionTarget: Address | null;
  actionValue: string;
  heldValue: string;
  status: string;
  state: string;
  tallies: string[];
  totalCast: string;
  outcome: string | null;
  winningOption: number | null;
  voteCount: number;
  skippedCount: number;
  asOf: AsOf;
  votes?: { voter: Address; method: "direct" | "signed" | "commit_reveal"; status: string; option: number | null; weight: string | null; relayer: Address | null }[];
  history?: { kind: string; data: Record<string, unknown> }[];
};

/** Ponder's `/status`: the latest indexed block per chain, by chain name. */
export type IndexerStatus = Record<string, { id: number; block: { number: number; timestamp: number } }>;

type Page<T> = { items: T[]; nextCursor: string | null };

export type IndexerClientOptions = {
  /** A fetch implementation (default: the global one). */
  fetch?: typeof fetch;
};

export type WaitOptions = { chainId?: number; timeoutMs?: number; intervalMs?: number };

export type IndexerClient = ReturnType<typeof createIndexerClient>;

export function createIndexerClient(apiUrl: string, options: IndexerClientOptions = {}) {
  const base = apiUrl.replace(/\/+$/, "");
  const doFetch = options.fetch ?? fetch;

  async function request<T>(path: string, init?: RequestInit): Promise<{ status: number; body: T }> {
    let response: Response;
    try {
      response = await doFetch(base + path, init);
    } catch (error) {
      throw new IndexerError("indexer_http", `Cannot reach the indexer at ${base}${path}: ${(error as Error).message}`, { url: base + path }, { cause: error });
    }
    const text = await response.text();
    let body: unknown = text;
    try {
      body = text.length > 0 ? JSON.parse(text) : undefined;
    } catch {
      // not JSON: keep the text for the error message
    }
    return { status: response.status, body: body as T };
  }

  async function getJson<T>(path: string, allow404 = false): Promise<T | undefined> {
    const { status, body } = await request<T>(path);
    if (status === 404 && allow404) return undefined;
    if (status !== 200) {
      throw new IndexerError("indexer_http", `GET ${path} answered HTTP ${status}: ${JSON.stringify(body)}`, { path, status, body });
    }
    return body;
  }

  async function pages<T>(path: string, cursorParam: "cursor" | "after", limit: number): Promise<T[]> {
    const items: T[] = [];
    let cursor: string | null = null;
    const sep = path.includes("?") ? "&" : "?";
    do {
      const page: Page<T> = (await getJson<Page<T>>(`${path}${sep}limit=${limit}${cursor === null ? "" : `&${cursorParam}=${cursor}`}`))!;
      items.push(...page.items);
      cursor = page.nextCursor;
    } while (cursor !== null);
    return items;
  }

  async function graphql<T = Record<string, unknown>>(query: string, variables?: Record<string, unknown>): Promise<T> {
    const { status, body } = await request<{ data?: T; errors?: { message: string }[] }>("/graphql", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ query, variables }),
    });
    if (status !== 200 && (typeof body !== "object" || body === null || body.errors === undefined)) {
      throw new IndexerError("indexer_http", `POST /graphql answered HTTP ${status}`, { status, body });
    }
    if (body.errors?.length) {
      throw new IndexerError("indexer_graphql", `GraphQL errors: ${body.errors.map((e) => e.message).join("; ")}`, { errors: body.errors });
    }
    return body.data as T;
  }

  async function status(): Promise<IndexerStatus> {
    return (await getJson<IndexerStatus>("/status"))!;
  }

  /** The latest block the indexer has processed for `chainId` (the only chain if omitted), or undefined. */
  async function indexedBlock(chainId?: number): Promise<number | undefined> {
    const chains = Object.values(await status());
    const chain = chainId === undefined ? chains[0] : chains.find((c) => c.id === chainId);
    return chain?.block.number;
  }

  /** Polls `/status` until the indexer has processed `blockNumber`; throws IndexerError (`indexer_timeout`). */
  async function waitForBlock(blockNumber: bigint | number, { chainId, timeoutMs = 30_000, intervalMs = 200 }: WaitOptions = {}): Promise<number> {
    const target = Number(blockNumber);
    const started = Date.now();
    let last: number | undefined;
    for (;;) {
      try {
        last = await indexedBlock(chainId);
        if (last !== undefined && last >= target) return last;
      } catch (error) {
        if (!(error instanceof IndexerError)) throw error;
      }
      if (Date.now() - started > timeoutMs) {
        throw new IndexerError("indexer_timeout", `The indexer did not reach block ${target} within ${timeoutMs} ms (at ${last ?? "unknown"})`, {
          target,
          last,
        });
      }
      await new Promise((resolve) => setTimeout(resolve, intervalMs));
    }
  }

  const id = (value: bigint | number | string) => encodeURIComponent(String(value));

  return {
    url: base,
    graphql,
    status,
    indexedBlock,
    waitForBlock,
    /** GET /v1/swarms/:id (undefined if the indexer has no such swarm). */
    getSwarm: (swarmId: bigint | number) => getJson<IndexedSwarm>(`/v1/swarms/${id(swarmId)}`, true),
    /** GET /v1/swarms/:id/members, every page. */
    listMembers: (swarmId: bigint | number, { status: which = "active" }: { status?: "active" | "inactive" | "all" } = {}) =>
      pages<IndexedMember>(`/v1/swarms/${id(swarmId)}/members?status=${which}`, "cursor", 500),
    /** GET /v1/swarms/:id/tasks, every page (ascending task id). */
    listTasks: (swarmId: bigint | number, filter: { status?: IndexedTaskStatus[]; claimant?: Address; poster?: Address } = {}) => {
      const query = [
        filter.status ? `status=${filter.status.join(",")}` : "",
        filter.claimant ? `claimant=${filter.claimant}` : "",
        filter.poster ? `poster=${filter.poster}` : "",
      ].filter((part) => part !== "");
      return pages<IndexedTask>(`/v1/swarms/${id(swarmId)}/tasks${query.length ? `?${query.join("&")}` : ""}`, "cursor", 100);
    },
    /** GET /v1/tasks/:id with its history (undefined if unknown). */
    getTask: (taskId: bigint | number) => getJson<IndexedTask & { history: IndexedTaskEvent[] }>(`/v1/tasks/${id(taskId)}`, true),
    /** GET /v1/swarms/:id/state/:key (undefined when the key was never written). */
    getState: (swarmId: bigint | number, key: Hex) => getJson<IndexedStateEntry>(`/v1/swarms/${id(swarmId)}/state/${key}`, true),
    /** GET /v1/swarms/:id/messages, every page (ascending message id). */
    listMessages: (swarmId: bigint | number) => pages<IndexedMessage>(`/v1/swarms/${id(swarmId)}/messages`, "after", 500),
    /** GET /v1/swarms/:id/leader (undefined if the indexer has no such swarm). */
    getLeader: (swarmId: bigint | number) => getJson<IndexedLeadership>(`/v1/swarms/${id(swarmId)}/leader`, true),
    /** GET /v1/locks/<swarmId>:<lockName> (name: bytes32 hex or a short string); undefined if never acquired. */
    getLock: (swarmId: bigint | number, lockName: Hex | string) => getJson<IndexedLock>(`/v1/locks/${id(`${swarmId}:${lockName}`)}`, true),
    /** GET /v1/proposals/:id with votes and history (undefined if unknown). */
    getProposal: (proposalId: bigint | number) => getJson<IndexedProposal>(`/v1/proposals/${id(proposalId)}`, true),
    /** GET /v1/swarms/:id/proposals, every page (ascending id); `status` as the route takes it. */
    listProposals: (swarmId: bigint | number, { status: which }: { status?: string[] } = {}) =>
      pages<IndexedProposal>(`/v1/swarms/${id(swarmId)}/proposals${which ? `?status=${which.join(",")}` : ""}`, "cursor", 100),
  };
}
