/**
 * Fencing-token checks for a downstream service: an agent presents the token it acts under (a lock's token, a
 * leader's term, a task claim's epoch) with its request, and the service asks the chain whether that token is
 * still the current one before doing anything. A holder whose lease expired or was taken over — a stale
 * holder — gets `false` and is turned away, even if it still believes it holds the lock.
 *
 *   if (!(await isCurrentLockToken(publicClient, addresses.LockManager, swarmId, "deploy", token))) reject();
 *   if (!(await isCurrentLeader(publicClient, addresses.LeaderElection, swarmId, agent, term))) reject();
 *   if (!(await isCurrentTaskEpoch(publicClient, addresses.TaskBoard, taskId, epoch))) reject();
 *
 * Each answer is as of one block (default: the latest): the lock and leader checks are the contracts' own
 * views (`LockManager.isCurrent`, `LeaderElection.isLeader`), evaluated at that block's timestamp; the task
 * check reads `TaskBoard.getTask` and applies the board's rule (claimed, same epoch, lease not over).
 */
import { isHex, size, stringToHex, type Address, type BlockTag, type Client, type Hex } from "viem";
import { getBlock, readContract } from "viem/actions";
import { LeaderElectionAbi, LockManagerAbi, TaskBoardAbi } from "./abis.ts";
import { ConcordSdkError } from "./errors.ts";

/** Which block to ask at (default: latest). */
export type AtBlock = { blockNumber?: bigint; blockTag?: BlockTag };

/** A lock name as bytes32: a 0x-prefixed 32-byte hex as is, else a UTF-8 string of 1..32 bytes, right-padded (like the indexer's lock ids). */
export function lockNameToBytes32(name: Hex | string): Hex {
  if (isHex(name) && size(name) === 32) return name.toLowerCase() as Hex;
  if (name.startsWith("0x")) throw new ConcordSdkError("invalid_argument", `Lock name ${name} starts with 0x but is not a bytes32`, { name });
  const bytes = new TextEncoder().encode(name);
  if (bytes.length === 0 || bytes.length > 32) throw new ConcordSdkError("invalid_argument", `Lock name "${name}" must be 1 to 32 bytes of UTF-8`, { name });
  return stringToHex(name, { size: 32 });
}

function at(options: AtBlock): { blockNumber: bigint } | { blockTag: BlockTag } {
  return options.blockNumber !== undefined ? { blockNumber: options.blockNumber } : { blockTag: options.blockTag ?? "latest" };
}

/** `LockManager.isCurrent(swarmId, lockName, token)`: `token` is the lock's current token and its lease is live. */
export async function isCurrentLockToken(client: Client, lockManager: Address, swarmId: bigint, lockName: Hex | string, token: bigint, options: AtBlock = {}): Promise<boolean> {
  return readContract(client, { address: lockManager, abi: LockManagerAbi, functionName: "isCurrent", args: [swarmId, lockNameToBytes32(lockName), token], ...at(options) });
}

/** `LeaderElection.isLeader(swarmId, account, term)`: `account` leads with the current `term` and its lease is live. */
export async function isCurrentLeader(client: Client, election: Address, swarmId: bigint, account: Address, term: bigint, options: AtBlock = {}): Promise<boolean> {
  return readContract(client, { address: election, abi: LeaderElectionAbi, functionName: "isLeader", args: [swarmId, account, term], ...at(options) });
}

const TASK_CLAIMED = 2;

/**
 * Whether `epoch` is task `taskId`'s current claim: the task is Claimed, under that epoch, and the lease has not
 * run out at the block's timestamp (the rule `complete` / `renew` apply). Optionally also by `claimant`.
 */
export async function isCurrentTaskEpoch(
  client: Client,
  taskBoard: Address,
  taskId: bigint,
  epoch: bigint,
  options: AtBlock & { claimant?: Address } = {},
): Promise<boolean> {
  const block = await getBlock(client, at(options));
  const task = await readContract(client, { address: taskBoard, abi: TaskBoardAbi, functionName: "getTask", args: [taskId], blockNumber: block.number! });
  if (Number(task.status) !== TASK_CLAIMED || BigInt(task.epoch) !== epoch) return false;
  if (options.claimant !== undefined && task.claimant.toLowerCase() !== options.claimant.toLowerCase()) return false;
  return block.timestamp < BigInt(task.leaseExpiry);
}

/** One entry point for the three kinds of fencing token. */
export type FencingToken =
  | { kind: "lock"; lockManager: Address; swarmId: bigint; lockName: Hex | string; token: bigint }
  | { kind: "leader"; election: Address; swarmId: bigint; account: Address; term: bigint }
  | { kind: "task"; taskBoard: Address; taskId: bigint; epoch: bigint; claimant?: Address };

/** Whether the presented fencing token is current (see the three helpers). */
export async function verifyFencingToken(client: Client, token: FencingToken, options: AtBlock = {}): Promise<boolean> {
  if (token.kind === "lock") return isCurrentLockToken(client, token.lockManager, token.swarmId, token.lockName, token.token, options);
  if (token.kind === "leader") return isCurrentLeader(client, token.election, token.swarmId, token.account, token.term, options);
  return isCurrentTaskEpoch(client, token.taskBoard, token.taskId, token.epoch, { ...options, ...(token.claimant === undefined ? {} : { claimant: token.claimant }) });
}
