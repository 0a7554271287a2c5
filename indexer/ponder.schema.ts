/**
 * Concord's index: what the coordination contracts (SwarmRegistry, TaskBoard, SharedState, MessageBus)
 * emitted, rebuilt from events only (the indexing functions never read the chain).
 *
 * Conventions
 * - SQL tables are snake_case and plural; exports are camelCase and singular, because Ponder's GraphQL API
 *   names a table's fields after its export: `swarm(id:)` / `swarms`, `task` / `tasks`, `taskEvent` /
 *   `taskEvents`, `stateKey` / `stateKeys` (table state_entries), `stateWrite` / `stateWrites`
 *   (table state_history), `message` / `messages`, ...
 * - Current-state tables (swarms, members, tasks, state_entries, ...) are keyed by their natural key;
 *   history tables (task_events, state_history, membership_events, messages, ...) are keyed by Ponder's
 *   `event.id`, which is unique per log and sorts in chain order.
 * - Addresses and hashes are stored lowercase (Ponder's `hex` column lowercases on write).
 * - uint256 / uint64 values and unix timestamps (seconds) are `bigint` columns (NUMERIC(78)); the REST API
 *   and GraphQL return them as decimal strings.
 * - Every row carries the chain cursor of the log that last touched it: block number and hash, transaction
 *   hash and log index (history rows also carry the chain id and the block timestamp).
 */
import { index, onchainTable, primaryKey, relations } from "ponder";

/** The column builders an onchainTable definition receives. */
type Columns = Parameters<Extract<Parameters<typeof onchainTable>[1], (...args: never[]) => unknown>>[0];

/** Where an event log sits (history tables): chain, block number, hash and time, transaction, log index. */
const logPosition = (t: Columns) => ({
  chainId: t.integer().notNull(),
  blockNumber: t.bigint().notNull(),
  blockHash: t.hex().notNull(),
  timestamp: t.bigint().notNull(),
  txHash: t.hex().notNull(),
  logIndex: t.integer().notNull(),
});

/** The last event that changed a row (current-state tables): its feed cursor, block number, time and hash, transaction, log index. */
const lastUpdate = (t: Columns) => ({
  updatedEventId: t.text().notNull(),
  updatedBlock: t.bigint().notNull(),
  updatedAt: t.bigint().notNull(),
  updatedBlockHash: t.hex().notNull(),
  updatedTxHash: t.hex().notNull(),
  updatedLogIndex: t.integer().notNull(),
});

// -------------------------------------------------------------------------------------------------
// SwarmRegistry
// -------------------------------------------------------------------------------------------------

/** One row per swarm. `policy`: open | allowlist | invite | token_gated; `gateKind`: none | erc20 | erc721. */
export const swarm = onchainTable("swarms", (t) => ({
  id: t.bigint().primaryKey(),
  owner: t.hex().notNull(),
  policy: t.text().notNull(),
  gateKind: t.text().notNull(),
  gateToken: t.hex().notNull(),
  gateMinBalance: t.bigint().notNull(),
  metadataUri: t.text().notNull(),
  memberCount: t.bigint().notNull(),
  createdBlock: t.bigint().notNull(),
  createdAt: t.bigint().notNull(),
  createdTxHash: t.hex().notNull(),
  updatedBlock: t.bigint().notNull(),
  updatedAt: t.bigint().notNull(),
  updatedBlockHash: t.hex().notNull(),
  updatedTxHash: t.hex().notNull(),
  updatedLogIndex: t.integer().notNull(),
}));

/**
 * One row per (swarm, account) that ever joined. `active` is false after the account left or was removed;
 * a later re-join sets it true again and overwrites `joinedVia` / `joinedAt`.
 * `joinedVia`: open | allowlist | invite | token_gated; `exitReason`: left | removed | null.
 */
export const member = onchainTable(
  "members",
  (t) => ({
    swarmId: t.bigint().notNull(),
    address: t.hex().notNull(),
    metadataUri: t.text().notNull(),
    active: t.boolean().notNull(),
    joinedVia: t.text().notNull(),
    joinedAt: t.bigint().notNull(),
    joinedBlock: t.bigint().notNull(),
    joinedTxHash: t.hex().notNull(),
    joinCount: t.integer().notNull(),
    exitReason: t.text(),
    removedBy: t.hex(),
    leftAt: t.bigint(),
    leftBlock: t.bigint(),
    updatedBlock: t.bigint().notNull(),
    updatedAt: t.bigint().notNull(),
    updatedBlockHash: t.hex().notNull(),
    updatedTxHash: t.hex().notNull(),
    updatedLogIndex: t.integer().notNull(),
  }),
  (table) => ({
    pk: primaryKey({ columns: [table.swarmId, table.address] }),
    addressIdx: index().on(table.address),
  }),
);

/** Admin rights per (swarm, account): the owner and every account granted with SwarmAdminUpdated. */
export const swarmAdmin = onchainTable(
  "swarm_admins",
  (t) => ({
    swarmId: t.bigint().notNull(),
    address: t.hex().notNull(),
    isAdmin: t.boolean().notNull(),
    updatedBlock: t.bigint().notNull(),
    updatedAt: t.bigint().notNull(),
    updatedTxHash: t.hex().notNull(),
    updatedLogIndex: t.integer().notNull(),
  }),
  (table) => ({ pk: primaryKey({ columns: [table.swarmId, table.address] }) }),
);

/** Allowlist entries per (swarm, account). */
export const swarmAllowlistMember = onchainTable(
  "swarm_allowlist",
  (t) => ({
    swarmId: t.bigint().notNull(),
    address: t.hex().notNull(),
    allowed: t.boolean().notNull(),
    updatedBlock: t.bigint().notNull(),
    updatedAt: t.bigint().notNull(),
    updatedTxHash: t.hex().notNull(),
    updatedLogIndex: t.integer().notNull(),
  }),
  (table) => ({ pk: primaryKey({ columns: [table.swarmId, table.address] }) }),
);

/** Invites seen on chain (used or revoked), keyed by swarm and EIP-712 invite hash. */
export const invite = onchainTable(
  "invites",
  (t) => ({
    swarmId: t.bigint().notNull(),
    inviteHash: t.hex().notNull(),
    uses: t.integer().notNull(),
    revoked: t.boolean().notNull(),
    lastUsedBy: t.hex(),
    updatedBlock: t.bigint().notNull(),
    updatedAt: t.bigint().notNull(),
    updatedTxHash: t.hex().notNull(),
    updatedLogIndex: t.integer().notNull(),
  }),
  (table) => ({ pk: primaryKey({ columns: [table.swarmId, table.inviteHash] }) }),
);

/**
 * History of every SwarmRegistry event. `kind`: swarm_created | policy_updated | metadata_updated |
 * ownership_transferred | admin_updated | allowlist_updated | member_joined | member_left | member_removed |
 * member_metadata_updated | invite_used | invite_revoked. `account` is the member / admin / new owner the
 * event is about (null for swarm-level events); `data` holds the event's other arguments (bigints as strings).
 */
export const swarmEvent = onchainTable(
  "swarm_events",
  (t) => ({
    id: t.text().primaryKey(),
    swarmId: t.bigint().notNull(),
    kind: t.text().notNull(),
    account: t.hex(),
    actor: t.hex().notNull(),
    memberCount: t.bigint(),
    data: t.json().$type<Record<string, string | boolean | null>>().notNull(),
    ...logPosition(t),
  }),
  (table) => ({ swarmIdx: index().on(table.swarmId, table.blockNumber, table.logIndex) }),
);

// -------------------------------------------------------------------------------------------------
// SharedState
// -------------------------------------------------------------------------------------------------

/**
 * Current value of every (swarm, key) ever written. `version` is the key's version (the next write passes
 * it as `expectedVersion`); a deleted key keeps its version with `deleted = true` and `value = null`.
 */
export const stateKey = onchainTable(
  "state_entries",
  (t) => ({
    swarmId: t.bigint().notNull(),
    key: t.hex().notNull(),
    value: t.hex(),
    valueHash: t.hex(),
    version: t.bigint().notNull(),
    deleted: t.boolean().notNull(),
    lastWriter: t.hex().notNull(),
    createdBlock: t.bigint().notNull(),
    createdAt: t.bigint().notNull(),
    updatedBlock: t.bigint().notNull(),
    updatedAt: t.bigint().notNull(),
    updatedBlockHash: t.hex().notNull(),
    updatedTxHash: t.hex().notNull(),
    updatedLogIndex: t.integer().notNull(),
  }),
  (table) => ({ pk: primaryKey({ columns: [table.swarmId, table.key] }) }),
);

/** Every write (`set`) and delete (`delete`) of a state key, with the version it reached. */
export const stateWrite = onchainTable(
  "state_history",
  (t) => ({
    id: t.text().primaryKey(),
    swarmId: t.bigint().notNull(),
    key: t.hex().notNull(),
    kind: t.text().notNull(),
    version: t.bigint().notNull(),
    value: t.hex(),
    valueHash: t.hex(),
    writer: t.hex().notNull(),
    ...logPosition(t),
  }),
  (table) => ({ keyIdx: index().on(table.swarmId, table.key, table.version) }),
);

/** Writer restriction of a key (set by admins with `setKeyRestricted`). */
export const stateKeyRestriction = onchainTable(
  "state_key_policies",
  (t) => ({
    swarmId: t.bigint().notNull(),
    key: t.hex().notNull(),
    restricted: t.boolean().notNull(),
    updatedBy: t.hex().notNull(),
    updatedBlock: t.bigint().notNull(),
    updatedAt: t.bigint().notNull(),
    updatedTxHash: t.hex().notNull(),
    updatedLogIndex: t.integer().notNull(),
  }),
  (table) => ({ pk: primaryKey({ columns: [table.swarmId, table.key] }) }),
);

/** Writer list of a key (only enforced while the key is restricted). */
export const stateKeyWriter = onchainTable(
  "state_key_writers",
  (t) => ({
    swarmId: t.bigint().notNull(),
    key: t.hex().notNull(),
    writer: t.hex().notNull(),
    allowed: t.boolean().notNull(),
    updatedBy: t.hex().notNull(),
    updatedBlock: t.bigint().notNull(),
    updatedAt: t.bigint().notNull(),
    updatedTxHash: t.hex().notNull(),
    updatedLogIndex: t.integer().notNull(),
  }),
  (table) => ({ pk: primaryKey({ columns: [table.swarmId, table.key, table.writer] }) }),
);

// -------------------------------------------------------------------------------------------------
// MessageBus
// -------------------------------------------------------------------------------------------------

/**
 * Every message, broadcast (`recipient = null`, `kind = broadcast`) or direct (`kind = direct`).
 * `messageId` is the swarm's message sequence number (1, 2, 3, ...).
 */
export const message = onchainTable(
  "messages",
  (t) => ({
    id: t.text().primaryKey(),
    swarmId: t.bigint().notNull(),
    messageId: t.bigint().notNull(),
    kind: t.text().notNull(),
    sender: t.hex().notNull(),
    recipient: t.hex(),
    topic: t.hex().notNull(),
    payload: t.hex().notNull(),
    ...logPosition(t),
  }),
  (table) => ({
    swarmMessageIdx: index().on(table.swarmId, table.messageId),
    recipientIdx: index().on(table.recipient),
  }),
);

/** Per-member rate limit of a swarm's messages (`maxMessages = 0`: unlimited). */
export const rateLimit = onchainTable("rate_limits", (t) => ({
  swarmId: t.bigint().primaryKey(),
  maxMessages: t.integer().notNull(),
  windowSeconds: t.integer().notNull(),
  updatedBy: t.hex().notNull(),
  updatedBlock: t.bigint().notNull(),
  updatedAt: t.bigint().notNull(),
  updatedTxHash: t.hex().notNull(),
  updatedLogIndex: t.integer().notNull(),
}));

// -------------------------------------------------------------------------------------------------
// TaskBoard
// -------------------------------------------------------------------------------------------------

/**
 * Current state of every task. `status`: open | claimed | completed | cancelled | expired.
 * `epoch` is the fencing token of the latest claim (0 = never claimed); `claimant` and `leaseExpiry` are set
 * while claimed (`claimant` also stays set once completed: who completed it); `typeTag` is the raw bytes32
 * (0x00..00 = untyped). `rewardAmount` is the escrowed amount (`rewardToken` 0x00..00 = ETH).
 */
export const task = onchainTable(
  "tasks",
  (t) => ({
    id: t.bigint().primaryKey(),
    swarmId: t.bigint().notNull(),
    poster: t.hex().notNull(),
    typeTag: t.hex().notNull(),
    priority: t.integer().notNull(),
    specUri: t.text().notNull(),
    specHash: t.hex().notNull(),
    rewardToken: t.hex().notNull(),
    rewardAmount: t.bigint().notNull(),
    leaseTtl: t.bigint().notNull(),
    deadline: t.bigint().notNull(),
    status: t.text().notNull(),
    claimant: t.hex(),
    epoch: t.bigint().notNull(),
    leaseExpiry: t.bigint(),
    claimCount: t.integer().notNull(),
    resultUri: t.text(),
    resultHash: t.hex(),
    postedAt: t.bigint().notNull(),
    postedBlock: t.bigint().notNull(),
    postedTxHash: t.hex().notNull(),
    claimedAt: t.bigint(),
    completedAt: t.bigint(),
    cancelledAt: t.bigint(),
    expiredAt: t.bigint(),
    updatedBlock: t.bigint().notNull(),
    updatedAt: t.bigint().notNull(),
    updatedBlockHash: t.hex().notNull(),
    updatedTxHash: t.hex().notNull(),
    updatedLogIndex: t.integer().notNull(),
  }),
  (table) => ({
    swarmIdx: index().on(table.swarmId, table.id),
    swarmStatusIdx: index().on(table.swarmId, table.status, table.id),
    claimantIdx: index().on(table.claimant),
  }),
);

/**
 * Every transition of every task. `kind`: posted | claimed | lease_renewed | completed | released |
 * lease_expired | expired | cancelled; `status` is the task's status right after the event; `epoch` the
 * fencing token the event names (the task's current epoch for posted / expired / cancelled); `actor` who
 * caused it (poster, claimant, or the `by` of expire); `relayer` who sent a claim transaction;
 * `data` the event's other arguments (bigints as strings).
 */
export const taskEvent = onchainTable(
  "task_events",
  (t) => ({
    id: t.text().primaryKey(),
    taskId: t.bigint().notNull(),
    swarmId: t.bigint().notNull(),
    kind: t.text().notNull(),
    status: t.text().notNull(),
    epoch: t.bigint().notNull(),
    actor: t.hex().notNull(),
    claimant: t.hex(),
    leaseExpiry: t.bigint(),
    relayer: t.hex(),
    data: t.json().$type<Record<string, string | null>>().notNull(),
    ...logPosition(t),
  }),
  (table) => ({
    taskIdx: index().on(table.taskId, table.blockNumber, table.logIndex),
    swarmIdx: index().on(table.swarmId, table.blockNumber, table.logIndex),
  }),
);

/** Per-member cap on concurrent claims in a swarm (0 = unlimited). */
export const claimCap = onchainTable("claim_caps", (t) => ({
  swarmId: t.bigint().primaryKey(),
  cap: t.integer().notNull(),
  updatedBy: t.hex().notNull(),
  updatedBlock: t.bigint().notNull(),
  updatedAt: t.bigint().notNull(),
  updatedTxHash: t.hex().notNull(),
  updatedLogIndex: t.integer().notNull(),
}));

// -------------------------------------------------------------------------------------------------
// Relations (GraphQL and the Drizzle query API only; they create no foreign keys)
// -------------------------------------------------------------------------------------------------

export const swarmRelations = relations(swarm, ({ many, one }) => ({
  members: many(member),
  admins: many(swarmAdmin),
  events: many(swarmEvent),
  stateKeys: many(stateKey),
  messages: many(message),
  tasks: many(task),
  claimCap: one(claimCap, { fields: [swarm.id], references: [claimCap.swarmId] }),
  rateLimit: one(rateLimit, { fields: [swarm.id], references: [rateLimit.swarmId] }),
}));

export const memberRelations = relations(member, ({ one }) => ({
  swarm: one(swarm, { fields: [member.swarmId], references: [swarm.id] }),
}));

export const swarmAdminRelations = relations(swarmAdmin, ({ one }) => ({
  swarm: one(swarm, { fields: [swarmAdmin.swarmId], references: [swarm.id] }),
}));

export const swarmEventRelations = relations(swarmEvent, ({ one }) => ({
  swarm: one(swarm, { fields: [swarmEvent.swarmId], references: [swarm.id] }),
}));

export const stateKeyRelations = relations(stateKey, ({ one, many }) => ({
  swarm: one(swarm, { fields: [stateKey.swarmId], references: [swarm.id] }),
  history: many(stateWrite),
}));

export const stateWriteRelations = relations(stateWrite, ({ one }) => ({
  stateKey: one(stateKey, {
    fields: [stateWrite.swarmId, stateWrite.key],
    references: [stateKey.swarmId, stateKey.key],
  }),
}));

export const messageRelations = relations(message, ({ one }) => ({
  swarm: one(swarm, { fields: [message.swarmId], references: [swarm.id] }),
}));

export const taskRelations = relations(task, ({ one, many }) => ({
  swarm: one(swarm, { fields: [task.swarmId], references: [swarm.id] }),
  events: many(taskEvent),
}));

export const taskEventRelations = relations(taskEvent, ({ one }) => ({
  task: one(task, { fields: [taskEvent.taskId], references: [task.id] }),
}));

// -------------------------------------------------------------------------------------------------
// Consensus: LockManager
// -------------------------------------------------------------------------------------------------

/**
 * One row per (swarm, lock name) ever acquired. `token` is the last issued fencing token (1, 2, ...; never
 * reused). `status` is what the events recorded: `held` (acquired or renewed; the lease may have ended since:
 * compare `expiresAt` with the block time, the REST route does) or `released` (`holder` and `expiresAt` null,
 * `lastHolder` keeps who held `token`). A takeover of an expired lease is counted in `expiredCount`.
 */
export const lock = onchainTable(
  "locks",
  (t) => ({
    swarmId: t.bigint().notNull(),
    lockName: t.hex().notNull(),
    status: t.text().notNull(),
    holder: t.hex(),
    lastHolder: t.hex().notNull(),
    token: t.bigint().notNull(),
    expiresAt: t.bigint(),
    acquiredAt: t.bigint().notNull(),
    acquireCount: t.integer().notNull(),
    renewCount: t.integer().notNull(),
    expiredCount: t.integer().notNull(),
    releasedAt: t.bigint(),
    createdBlock: t.bigint().notNull(),
    createdAt: t.bigint().notNull(),
    updatedBlock: t.bigint().notNull(),
    updatedAt: t.bigint().notNull(),
    updatedBlockHash: t.hex().notNull(),
    updatedTxHash: t.hex().notNull(),
    updatedLogIndex: t.integer().notNull(),
  }),
  (table) => ({
    pk: primaryKey({ columns: [table.swarmId, table.lockName] }),
    holderIdx: index().on(table.holder),
  }),
);

/**
 * Every LockManager event. `kind`: acquired | renewed | released. `token` the fencing token the event names;
 * `expiresAt` the lease end (null for releases). On an acquisition that took over an expired lease
 * (never released), `previousHolder` / `previousToken` name that lease (`tookOverExpired = true`).
 */
export const lockEvent = onchainTable(
  "lock_events",
  (t) => ({
    id: t.text().primaryKey(),
    swarmId: t.bigint().notNull(),
    lockName: t.hex().notNull(),
    kind: t.text().notNull(),
    holder: t.hex().notNull(),
    token: t.bigint().notNull(),
    expiresAt: t.bigint(),
    previousHolder: t.hex(),
    previousToken: t.bigint(),
    tookOverExpired: t.boolean().notNull(),
    ...logPosition(t),
  }),
  (table) => ({ lockIdx: index().on(table.swarmId, table.lockName, table.blockNumber, table.logIndex) }),
);

// -------------------------------------------------------------------------------------------------
// Consensus: LeaderElection
// -------------------------------------------------------------------------------------------------

/**
 * One row per swarm with an election configuration or a leader: the configuration (`mode`: none | lease |
 * vote; `leaseDuration` seconds; `quorumKind`: majority | byzantine; `weighting`: head | stake) and the seat:
 * `term` (latest issued fencing term, 0 = never), `leader` (null if never held or after a resignation),
 * `leaseExpiresAt` (null after a resignation; the lease is live while the block time is below it), and how
 * the seat was last taken (`electedHow`: campaign | vote, with `votesWeight` / `totalWeight` for votes).
 */
export const leadership = onchainTable("leadership", (t) => ({
  swarmId: t.bigint().primaryKey(),
  mode: t.text().notNull(),
  leaseDuration: t.bigint().notNull(),
  quorumKind: t.text().notNull(),
  weighting: t.text().notNull(),
  configuredBy: t.hex(),
  configuredAt: t.bigint(),
  term: t.bigint().notNull(),
  leader: t.hex(),
  leaseExpiresAt: t.bigint(),
  electedHow: t.text(),
  votesWeight: t.bigint(),
  totalWeight: t.bigint(),
  previousLeader: t.hex(),
  electedAt: t.bigint(),
  lastHeartbeatAt: t.bigint(),
  resignedAt: t.bigint(),
  electionCount: t.integer().notNull(),
  updatedBlock: t.bigint().notNull(),
  updatedAt: t.bigint().notNull(),
  updatedBlockHash: t.hex().notNull(),
  updatedTxHash: t.hex().notNull(),
  updatedLogIndex: t.integer().notNull(),
}));

/**
 * Every LeaderElection event. `kind`: configured | elected | heartbeat | resigned. `leader` / `term` /
 * `leaseExpiresAt` as the event names them (null for configured); `electedHow`, `votesWeight`, `totalWeight`,
 * `previousLeader` for elections; `actor` who sent it (the admin, the leader, or the submitter of `elect`);
 * `data` the configuration for `configured` (mode, leaseDuration, quorumKind, weighting).
 */
export const leadershipEvent = onchainTable(
  "leadership_events",
  (t) => ({
    id: t.text().primaryKey(),
    swarmId: t.bigint().notNull(),
    kind: t.text().notNull(),
    leader: t.hex(),
    term: t.bigint(),
    leaseExpiresAt: t.bigint(),
    electedHow: t.text(),
    votesWeight: t.bigint(),
    totalWeight: t.bigint(),
    previousLeader: t.hex(),
    actor: t.hex().notNull(),
    data: t.json().$type<Record<string, string | null>>().notNull(),
    ...logPosition(t),
  }),
  (table) => ({ swarmIdx: index().on(table.swarmId, table.blockNumber, table.logIndex) }),
);

// -------------------------------------------------------------------------------------------------
// Consensus: Proposals
// -------------------------------------------------------------------------------------------------

/**
 * One row per proposal, with its configuration as stored at creation (`votingMode`: open | commit_reveal;
 * `weighting`: head | stake; `thresholdKind`: majority | supermajority | unanimity; `denominator` the quorum
 * denominator snapshot), the action (`actionTarget` null = none; `heldValue` the ETH still held for it),
 * running `tallies` (one decimal string per option) and `totalCast`, and `status` as recorded by events:
 * `open` (not finalized: pending / active / revealing / ended by the clock — the REST route derives `state`),
 * `cancelled`, `passed`, `rejected`, `quorum_not_reached`, `executed`. `outcome` / `winningOption` are set
 * at finalization (`outcome` stays `passed` once executed).
 */
export const proposal = onchainTable(
  "proposals",
  (t) => ({
    id: t.bigint().primaryKey(),
    swarmId: t.bigint().notNull(),
    proposer: t.hex().notNull(),
    descriptionUri: t.text().notNull(),
    descriptionHash: t.hex().notNull(),
    optionCount: t.integer().notNull(),
    voteStart: t.bigint().notNull(),
    voteEnd: t.bigint().notNull(),
    revealEnd: t.bigint().notNull(),
    votingMode: t.text().notNull(),
    weighting: t.text().notNull(),
    quorumBps: t.integer().notNull(),
    thresholdKind: t.text().notNull(),
    thresholdBps: t.integer().notNull(),
    excludeFlagged: t.boolean().notNull(),
    denominator: t.bigint().notNull(),
    actionHash: t.hex().notNull(),
    actionTarget: t.hex(),
    actionValue: t.bigint().notNull(),
    actionData: t.hex().notNull(),
    heldValue: t.bigint().notNull(),
    status: t.text().notNull(),
    tallies: t.json().$type<string[]>().notNull(),
    totalCast: t.bigint().notNull(),
    voteCount: t.integer().notNull(),
    commitCount: t.integer().notNull(),
    skippedCount: t.integer().notNull(),
    outcome: t.text(),
    winningOption: t.integer(),
    createdAt: t.bigint().notNull(),
    createdBlock: t.bigint().notNull(),
    createdTxHash: t.hex().notNull(),
    finalizedAt: t.bigint(),
    executedAt: t.bigint(),
    executedBy: t.hex(),
    cancelledAt: t.bigint(),
    refundedAt: t.bigint(),
    updatedBlock: t.bigint().notNull(),
    updatedAt: t.bigint().notNull(),
    updatedBlockHash: t.hex().notNull(),
    updatedTxHash: t.hex().notNull(),
    updatedLogIndex: t.integer().notNull(),
  }),
  (table) => ({
    swarmIdx: index().on(table.swarmId, table.id),
    swarmStatusIdx: index().on(table.swarmId, table.status, table.id),
  }),
);

/**
 * One row per (proposal, voter) who voted or committed. `method`: direct (`castVote`) | signed (relayed
 * `castVotesBySig`, `relayer` = who sent it) | commit_reveal. `status`: counted | committed (not revealed yet;
 * `option` and `weight` null). `weight` is what was counted.
 */
export const vote = onchainTable(
  "votes",
  (t) => ({
    proposalId: t.bigint().notNull(),
    voter: t.hex().notNull(),
    swarmId: t.bigint().notNull(),
    method: t.text().notNull(),
    status: t.text().notNull(),
    option: t.integer(),
    weight: t.bigint(),
    commitment: t.hex(),
    relayer: t.hex(),
    committedAt: t.bigint(),
    countedAt: t.bigint(),
    updatedBlock: t.bigint().notNull(),
    updatedAt: t.bigint().notNull(),
    updatedBlockHash: t.hex().notNull(),
    updatedTxHash: t.hex().notNull(),
    updatedLogIndex: t.integer().notNull(),
  }),
  (table) => ({
    pk: primaryKey({ columns: [table.proposalId, table.voter] }),
    voterIdx: index().on(table.voter),
  }),
);

/**
 * Every Proposals event. `kind`: created | vote_cast | votes_cast | vote_skipped | vote_committed |
 * vote_revealed | finalized | executed | cancelled | refunded. `account` the voter / executor / proposer the
 * event is about (null for a batch); `data` the event's other arguments (bigints as strings, arrays as
 * arrays of strings).
 */
export const proposalEvent = onchainTable(
  "proposal_events",
  (t) => ({
    id: t.text().primaryKey(),
    proposalId: t.bigint().notNull(),
    swarmId: t.bigint().notNull(),
    kind: t.text().notNull(),
    account: t.hex(),
    data: t.json().$type<Record<string, unknown>>().notNull(),
    ...logPosition(t),
  }),
  (table) => ({ proposalIdx: index().on(table.proposalId, table.blockNumber, table.logIndex) }),
);

// -------------------------------------------------------------------------------------------------
// Consensus: Staking
// -------------------------------------------------------------------------------------------------

/**
 * Per-swarm staking settings and total weight. `token` 0x00..00 = ETH; `tokenFixed` once an admin set it or
 * the first stake fixed it. `withdrawalDelay` (seconds), `slashBps`, `rewardBps` start at the contract's
 * defaults (7 days, 5000, 1000). `totalStake` = sum of unflagged active stakes.
 */
export const stakingConfig = onchainTable("staking_configs", (t) => ({
  swarmId: t.bigint().primaryKey(),
  token: t.hex().notNull(),
  tokenFixed: t.boolean().notNull(),
  withdrawalDelay: t.bigint().notNull(),
  slashBps: t.integer().notNull(),
  rewardBps: t.integer().notNull(),
  totalStake: t.bigint().notNull(),
  slashedTotal: t.bigint().notNull(),
  updatedBlock: t.bigint().notNull(),
  updatedAt: t.bigint().notNull(),
  updatedTxHash: t.hex().notNull(),
  updatedLogIndex: t.integer().notNull(),
}));

/**
 * One row per (swarm, member) that ever staked. `active` (weight unless `flagged`), `pending` (withdrawal
 * requested, still slashable), `unlockAt` (when `pending` may be withdrawn; null if nothing pending),
 * `flagged` (slashed in this swarm: no weight, forever); cumulative `stakedTotal`, `withdrawnTotal`,
 * `slashedTotal`.
 */
export const stake = onchainTable(
  "stakes",
  (t) => ({
    swarmId: t.bigint().notNull(),
    member: t.hex().notNull(),
    active: t.bigint().notNull(),
    pending: t.bigint().notNull(),
    unlockAt: t.bigint(),
    flagged: t.boolean().notNull(),
    stakedTotal: t.bigint().notNull(),
    withdrawnTotal: t.bigint().notNull(),
    slashedTotal: t.bigint().notNull(),
    updatedBlock: t.bigint().notNull(),
    updatedAt: t.bigint().notNull(),
    updatedBlockHash: t.hex().notNull(),
    updatedTxHash: t.hex().notNull(),
    updatedLogIndex: t.integer().notNull(),
  }),
  (table) => ({
    pk: primaryKey({ columns: [table.swarmId, table.member] }),
    memberIdx: index().on(table.member),
  }),
);

/**
 * Every slashing: `amount` taken (reward included), `reward` paid to `reporter`, `burned` the rest;
 * `conflictKey` and `source` (LeaderElection / Proposals) identify the proven equivocation; `activeStake`,
 * `pendingWithdrawal` what the member has left, `totalStake` the swarm's new total.
 */
export const slashing = onchainTable(
  "slashings",
  (t) => ({
    id: t.text().primaryKey(),
    swarmId: t.bigint().notNull(),
    member: t.hex().notNull(),
    reporter: t.hex().notNull(),
    amount: t.bigint().notNull(),
    reward: t.bigint().notNull(),
    burned: t.bigint().notNull(),
    conflictKey: t.hex().notNull(),
    source: t.hex().notNull(),
    activeStake: t.bigint().notNull(),
    pendingWithdrawal: t.bigint().notNull(),
    totalStake: t.bigint().notNull(),
    ...logPosition(t),
  }),
  (table) => ({
    swarmIdx: index().on(table.swarmId, table.blockNumber, table.logIndex),
    memberIdx: index().on(table.swarmId, table.member),
  }),
);

/** Ballot sources trusted by Staking's owner (their signed ballots may prove equivocation). */
export const ballotSource = onchainTable("ballot_sources", (t) => ({
  source: t.hex().primaryKey(),
  trusted: t.boolean().notNull(),
  updatedBlock: t.bigint().notNull(),
  updatedAt: t.bigint().notNull(),
  updatedTxHash: t.hex().notNull(),
  updatedLogIndex: t.integer().notNull(),
}));

// Relations of the consensus tables (GraphQL only).

export const lockRelations = relations(lock, ({ one, many }) => ({
  swarm: one(swarm, { fields: [lock.swarmId], references: [swarm.id] }),
  events: many(lockEvent),
}));

export const lockEventRelations = relations(lockEvent, ({ one }) => ({
  lock: one(lock, { fields: [lockEvent.swarmId, lockEvent.lockName], references: [lock.swarmId, lock.lockName] }),
}));

export const leadershipRelations = relations(leadership, ({ one, many }) => ({
  swarm: one(swarm, { fields: [leadership.swarmId], references: [swarm.id] }),
  events: many(leadershipEvent),
}));

export const leadershipEventRelations = relations(leadershipEvent, ({ one }) => ({
  leadership: one(leadership, { fields: [leadershipEvent.swarmId], references: [leadership.swarmId] }),
}));

export const proposalRelations = relations(proposal, ({ one, many }) => ({
  swarm: one(swarm, { fields: [proposal.swarmId], references: [swarm.id] }),
  votes: many(vote),
  events: many(proposalEvent),
}));

export const voteRelations = relations(vote, ({ one }) => ({
  proposal: one(proposal, { fields: [vote.proposalId], references: [proposal.id] }),
}));

export const proposalEventRelations = relations(proposalEvent, ({ one }) => ({
  proposal: one(proposal, { fields: [proposalEvent.proposalId], references: [proposal.id] }),
}));

export const stakeRelations = relations(stake, ({ one }) => ({
  swarm: one(swarm, { fields: [stake.swarmId], references: [swarm.id] }),
}));

export const slashingRelations = relations(slashing, ({ one }) => ({
  swarm: one(swarm, { fields: [slashing.swarmId], references: [swarm.id] }),
}));

// -------------------------------------------------------------------------------------------------
// Perception: the unified event feed and SubscriptionRegistry
// -------------------------------------------------------------------------------------------------

/**
 * The unified feed: one row per Concord log the indexer handles, written by indexer/src/lib/feed.ts
 * (`recordEvent`) from every handler. `id` is Ponder's `event.id` (a 75-digit checkpoint: block timestamp,
 * chain id, block number, transaction index, event type, log index — it sorts lexicographically in chain
 * order), the cursor of `GET /v1/events`. `type` is dotted (`task.claimed`; exact list in
 * indexer/src/lib/eventBody.ts `EVENT_TYPES`); `members` the lowercase addresses the event touches;
 * `fencingToken` `{ kind: epoch | lock_token | term, value }` or null; `data` the decoded arguments (JSON).
 * The REST body of a row is `toEventBody(row)` (indexer/src/lib/eventBody.ts), also the webhook body.
 */
export const concordEvent = onchainTable(
  "concord_events",
  (t) => ({
    id: t.text().primaryKey(),
    type: t.text().notNull(),
    chainId: t.integer().notNull(),
    blockNumber: t.bigint().notNull(),
    blockHash: t.hex().notNull(),
    blockTimestamp: t.bigint().notNull(),
    txHash: t.hex().notNull(),
    txIndex: t.integer().notNull(),
    logIndex: t.integer().notNull(),
    contract: t.text().notNull(),
    address: t.hex().notNull(),
    swarmId: t.bigint(),
    members: t.jsonb().$type<string[]>().notNull(),
    fencingToken: t.jsonb().$type<{ kind: "epoch" | "lock_token" | "term"; value: string }>(),
    data: t.jsonb().$type<Record<string, unknown>>().notNull(),
  }),
  (table) => ({
    swarmIdx: index().on(table.swarmId, table.id),
    typeIdx: index().on(table.type, table.id),
  }),
);

/**
 * One row per SubscriptionRegistry subscription, rebuilt from its events. `swarmId` / `member` /
 * `rawAddress` null when zero; `kinds` the uint16 bitmask (`kindNames` its names: task, state, message, lock,
 * leader, proposal, schedule, swarm, stake, raw); `topics` the raw filter's topics (bytes32(0) = any);
 * `status`: active | paused | cancelled; `mode`: immediate | after_confirmations | both. `createdEventId` /
 * `updatedEventId` are feed cursors (`concord_events.id`) of the creating / last changing event: the
 * subscription applies to feed events after `createdEventId`.
 */
export const subscription = onchainTable(
  "subscriptions",
  (t) => ({
    id: t.bigint().primaryKey(),
    owner: t.hex().notNull(),
    swarmId: t.bigint(),
    kinds: t.integer().notNull(),
    kindNames: t.jsonb().$type<string[]>().notNull(),
    member: t.hex(),
    rawAddress: t.hex(),
    topics: t.jsonb().$type<string[]>().notNull(),
    endpoint: t.text().notNull(),
    label: t.text().notNull(),
    status: t.text().notNull(),
    confirmations: t.integer().notNull(),
    mode: t.text().notNull(),
    ordered: t.boolean().notNull(),
    createdAt: t.bigint().notNull(),
    createdBlock: t.bigint().notNull(),
    createdTxHash: t.hex().notNull(),
    createdEventId: t.text().notNull(),
    pausedAt: t.bigint(),
    cancelledAt: t.bigint(),
    ...lastUpdate(t),
  }),
  (table) => ({
    statusIdx: index().on(table.status, table.id),
    ownerIdx: index().on(table.owner),
    swarmIdx: index().on(table.swarmId),
  }),
);

// -------------------------------------------------------------------------------------------------
// Time: ScheduleRegistry and Attestations
// -------------------------------------------------------------------------------------------------

/**
 * One row per ScheduleRegistry schedule, rebuilt from its events (cron, payload, endpoint and call data live
 * only in events). `kind`: cron | interval (`cron` null for interval, `period` null for cron); `swarmId`,
 * `endTime`, `maxRuns` (unlimited), `endpoint` (no webhook), `target` (no on-chain call) null when zero /
 * empty; `catchUp`: fire_latest_once | fire_all | skip; `status`: active | paused | cancelled.
 * `nextOccurrence` is the lowest unconsumed occurrence k (ScheduleExecuted → k + 1, ScheduleResumed carries
 * it), `executedCount` the number of ScheduleExecuted events (failed calls included), `funds` the wei left
 * (registered + funded − valuePaid, 0 after cancel). `configuredAt` is the block time of the ScheduleRegistered or
 * the last ScheduleUpdated log (when the current cron / bounds took effect; `updatedAt` moves on every event). uint32 fields that may exceed 2^31 (`period`, `maxRuns`,
 * `nextOccurrence`) are double precision (exact for integers; GraphQL Float, JSON numbers).
 * `createdEventId` / `updatedEventId` are feed cursors (`concord_events.id`).
 */
export const schedule = onchainTable(
  "schedules",
  (t) => ({
    id: t.bigint().primaryKey(),
    owner: t.hex().notNull(),
    swarmId: t.bigint(),
    kind: t.text().notNull(),
    cron: t.text(),
    period: t.doublePrecision(),
    startTime: t.bigint().notNull(),
    endTime: t.bigint(),
    maxRuns: t.doublePrecision(),
    catchUp: t.text().notNull(),
    payload: t.hex().notNull(),
    endpoint: t.text(),
    target: t.hex(),
    callData: t.hex().notNull(),
    valuePerRun: t.bigint().notNull(),
    callGasLimit: t.integer().notNull(),
    funds: t.bigint().notNull(),
    status: t.text().notNull(),
    nextOccurrence: t.doublePrecision().notNull(),
    executedCount: t.integer().notNull(),
    lastExecutedAt: t.bigint(),
    configuredAt: t.bigint().notNull(),
    createdAt: t.bigint().notNull(),
    createdBlock: t.bigint().notNull(),
    createdTxHash: t.hex().notNull(),
    createdEventId: t.text().notNull(),
    pausedAt: t.bigint(),
    cancelledAt: t.bigint(),
    ...lastUpdate(t),
  }),
  (table) => ({
    statusIdx: index().on(table.status, table.id),
    ownerIdx: index().on(table.owner),
    swarmIdx: index().on(table.swarmId),
  }),
);

/**
 * Every event of every schedule. `kind`: registered | paused | resumed | updated | cancelled | funded |
 * executed (the feed type is `schedule.<kind>`); `status` the schedule's status right after the event;
 * `actor` who sent it (owner, funder `from`, keeper `executor`); `occurrence` the executed k (executed only);
 * `data` the event's decoded arguments as in the feed body (enum names, bigints as strings).
 */
export const scheduleEvent = onchainTable(
  "schedule_events",
  (t) => ({
    id: t.text().primaryKey(),
    scheduleId: t.bigint().notNull(),
    swarmId: t.bigint(),
    kind: t.text().notNull(),
    status: t.text().notNull(),
    actor: t.hex().notNull(),
    occurrence: t.doublePrecision(),
    data: t.json().$type<Record<string, unknown>>().notNull(),
    ...logPosition(t),
  }),
  (table) => ({
    scheduleIdx: index().on(table.scheduleId, table.blockNumber, table.logIndex),
  }),
);

/**
 * One row per Attestations batch (`seq` from 1, gap-free): Merkle `root`, `prevRoot` (root of batch seq − 1,
 * 0x00..00 for the first), the running `chainedHead`, `leafCount`, the span `fromTime`..`toTime` (unix s),
 * `uri` of the leaves, the `attestor`, and the chain cursor of the AttestationPosted log (`timestamp` = the
 * contract's postedAt; `eventId` its feed cursor).
 */
export const attestation = onchainTable(
  "attestations",
  (t) => ({
    seq: t.bigint().primaryKey(),
    root: t.hex().notNull(),
    prevRoot: t.hex().notNull(),
    chainedHead: t.hex().notNull(),
    leafCount: t.doublePrecision().notNull(),
    fromTime: t.bigint().notNull(),
    toTime: t.bigint().notNull(),
    uri: t.text().notNull(),
    attestor: t.hex().notNull(),
    eventId: t.text().notNull(),
    ...logPosition(t),
  }),
  (table) => ({
    rootIdx: index().on(table.root),
    attestorIdx: index().on(table.attestor),
  }),
);

/**
 * One row per account that was ever an attestor (AttestorUpdated): `allowed` its current right to post,
 * `attestationCount` / `lastSeq` the batches it posted (null: none).
 */
export const attestor = onchainTable("attestors", (t) => ({
  address: t.hex().primaryKey(),
  allowed: t.boolean().notNull(),
  attestationCount: t.integer().notNull(),
  lastSeq: t.bigint(),
  updatedEventId: t.text().notNull(),
  updatedBlock: t.bigint().notNull(),
  updatedAt: t.bigint().notNull(),
  updatedBlockHash: t.hex().notNull(),
  updatedTxHash: t.hex().notNull(),
  updatedLogIndex: t.integer().notNull(),
}));

export const scheduleRelations = relations(schedule, ({ one, many }) => ({
  swarm: one(swarm, { fields: [schedule.swarmId], references: [swarm.id] }),
  events: many(scheduleEvent),
}));

export const scheduleEventRelations = relations(scheduleEvent, ({ one }) => ({
  schedule: one(schedule, { fields: [scheduleEvent.scheduleId], references: [schedule.id] }),
}));
