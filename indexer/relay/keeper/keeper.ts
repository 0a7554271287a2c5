/**
 * The keeper loop: executes due on-chain calls of interval schedules (ScheduleRegistry.execute, keeper pattern).
 *
 * Every `intervalMs`:
 *   1. refresh the schedule list from its source every `refreshMs` (indexer /v1/schedules, or the chain);
 *   2. chain time = the node's pending block timestamp (chainClients.ts chainClock; never the wall clock), or the
 *      latest block's on a node without a pending block — reads and simulations use that same block tag;
 *   3. for each schedule whose cached state says an occurrence is executable (occurrence.ts, the contract's
 *      rules), re-read it on chain (getSchedule), recompute, simulate `execute(id, k)` and send it;
 *   4. wait for this round's receipts (bounded), so one process never has two transactions for one schedule.
 * Gas price: with `maxFeePerGas` (RELAY_KEEPER_MAX_FEE_GWEI) every execution is sent with a max fee per gas of at
 * most that, and while the base fee is above it the round sends nothing (the executions wait for a
 * cheaper block; counted in stats.deferred, logged when it starts and ends).
 * An expected revert (another keeper was first: AlreadyExecuted / NotLatest / OutOfOrder; or NotDue, Paused,
 * Cancelled, Expired, PastEnd, BeyondMaxRuns, InsufficientFunds …) in the simulation or the receipt is logged at
 * debug level; that (schedule, occurrence) is not tried again for `retryMs` (or until the chain shows it moved on).
 * Several keepers (relays, other operators) may race: the contract lets each occurrence run once.
 */
import { formatGwei, type Account, type Address, type Chain, type Hex, type PublicClient, type Transport, type WalletClient } from "viem";
import { ScheduleRegistryAbi } from "../../abis/ScheduleRegistryAbi.ts";
import { chainClock, revertName, shortError } from "../chainClients.ts";
import { IntervalLoop } from "../intervalLoop.ts";
import { executableOccurrence, type KeeperSchedule } from "./occurrence.ts";
import { readSchedule, type ScheduleSource } from "./scheduleSource.ts";

export type KeeperOptions = {
  publicClient: PublicClient;
  walletClient: WalletClient<Transport, Chain, Account>;
  registry: Address;
  source: ScheduleSource;
  intervalMs: number;
  refreshMs: number;
  /** How long a (schedule, occurrence) that reverted is left alone. */
  retryMs?: number;
  /** Most executions sent per round. */
  maxPerRound?: number;
  receiptTimeoutMs?: number;
  /** Highest max fee per gas (wei) the keeper sends with; while the base fee is above it, executions wait. */
  maxFeePerGas?: bigint;
  log?: (message: string) => void;
  debug?: (message: string) => void;
};

export type KeeperStats = {
  schedules: number;
  executed: number;
  /** Simulations or receipts that reverted with an expected error (lost races, state changes). */
  skipped: number;
  failed: number;
  /** Rounds whose due executions waited because the base fee was above maxFeePerGas. */
  deferred: number;
  lastGasUsed: string | null;
  lastError: string | null;
};

export type KeeperRound = {
  sent: { id: bigint; occurrence: number; hash: Hex }[];
  executed: { id: bigint; occurrence: number; gasUsed: bigint }[];
  skipped: { id: bigint; occurrence: number; reason: string }[];
  /** Set when due executions waited for the base fee to come down to maxFeePerGas (wei). */
  deferred?: { baseFeePerGas: bigint };
};

/** Fee fields for a transaction under the keeper's cap; `defer`: the base fee is above it, send nothing now. */
type FeePlan = { defer: false; fees?: { maxFeePerGas: bigint; maxPriorityFeePerGas: bigint } } | { defer: true; baseFeePerGas: bigint };

/** Reverts that mean "not now / not any more" rather than a broken keeper. */
const EXPECTED = new Set([
  "ScheduleRegistryAlreadyExecuted",
  "ScheduleRegistryNotDue",
  "ScheduleRegistryPaused",
  "ScheduleRegistryCancelled",
  "ScheduleRegistryOutOfOrder",
  "ScheduleRegistryNotLatest",
  "ScheduleRegistryExpired",
  "ScheduleRegistryPastEnd",
  "ScheduleRegistryBeyondMaxRuns",
  "ScheduleRegistryNoCall",
  "ScheduleRegistryUnknownSchedule",
  "ScheduleRegistryInsufficientFunds",
]);

export class Keeper {
  readonly options: KeeperOptions;
  readonly stats: KeeperStats = { schedules: 0, executed: 0, skipped: 0, failed: 0, deferred: 0, lastGasUsed: null, lastError: null };
  /** The base fee was above maxFeePerGas at the last look (for logging the change only). */
  private priced = false;
  private schedules = new Map<string, KeeperSchedule>();
  private lastRefresh = 0;
  /** `${id}:${k}` → until (ms) it is not tried again. */
  private suppressed = new Map<string, number>();
  /** Transactions sent and not confirmed within a round: schedule id → occurrence and hash. */
  private inFlight = new Map<string, { occurrence: number; hash: Hex }>();
  private readonly loop: IntervalLoop;
  private round: Promise<KeeperRound> | undefined;

  constructor(options: KeeperOptions) {
    this.options = options;
    // A failed round (the store or the RPC, e.g. the lease query) is logged once per distinct error and retried next interval.
    this.loop = new IntervalLoop(async () => void (await this.runOnce()), options.intervalMs, (error) => {
      const message = shortError(error);
      if (message !== this.stats.lastError) this.log(message);
      this.stats.lastError = message;
    });
  }

  private log(message: string): void {
    (this.options.log ?? ((m: string) => console.log(`[relay] ${m}`)))(`keeper: ${message}`);
  }

  private debug(message: string): void {
    this.options.debug?.(`keeper: ${message}`);
  }

  /** One round; never two at once in one process (a call while one runs joins it). */
  runOnce(now = Date.now()): Promise<KeeperRound> {
    this.round ??= this.doRound(now).finally(() => {
      this.round = undefined;
    });
    return this.round;
  }

  private async doRound(now: number): Promise<KeeperRound> {
    const { publicClient, walletClient, registry } = this.options;
    const result: KeeperRound = { sent: [], executed: [], skipped: [] };
    if (now - this.lastRefresh >= this.options.refreshMs || this.lastRefresh === 0) {
      this.lastRefresh = now;
      try {
        const list = await this.options.source.list();
        const next = new Map<string, KeeperSchedule>();
        for (const s of list) {
          // The source may lag the chain: keep what a fresher on-chain read taught us.
          const known = this.schedules.get(String(s.id));
          next.set(String(s.id), known && known.nextOccurrence > s.nextOccurrence ? { ...s, nextOccurrence: known.nextOccurrence } : s);
        }
        this.schedules = next;
        this.stats.schedules = next.size;
        this.stats.lastError = null;
      } catch (error) {
        // The source (indexer) is down: keep executing the schedules already known (each is re-read on chain).
        const message = `cannot list schedules from the ${this.options.source.name}: ${shortError(error)}; using the ${this.schedules.size} known`;
        if (message !== this.stats.lastError) this.log(message);
        this.stats.lastError = message;
      }
    }
    for (const [key, until] of this.suppressed) if (until <= now) this.suppressed.delete(key);

    await this.checkInFlight(result);
    const { time, blockTag, baseFeePerGas } = await chainClock(publicClient);
    const max = this.options.maxPerRound ?? 50;
    const sent: { id: bigint; occurrence: number; hash: Hex }[] = [];
    // Read once per round, and only when something is due (no RPC call in an idle round).
    let plan: FeePlan | undefined;
    for (const cached of this.schedules.values()) {
      if (sent.length >= max) break;
      const id = String(cached.id);
      if (this.inFlight.has(id)) continue;
      const guess = executableOccurrence(cached, time);
      if (!guess || this.suppressed.has(`${id}:${guess.occurrence}`)) continue;
      // Fresh state from the chain before spending anything.
      const fresh = await readSchedule(publicClient, registry, cached.id, blockTag);
      if (!fresh || fresh.status !== "active") {
        this.schedules.delete(id);
        continue;
      }
      this.schedules.set(id, fresh);
      const due = executableOccurrence(fresh, time);
      if (!due || this.suppressed.has(`${id}:${due.occurrence}`)) continue;
      if (this.options.maxFeePerGas !== undefined) {
        plan ??= await this.feePlan(this.options.maxFeePerGas, baseFeePerGas);
        if (plan.defer) {
          result.deferred = { baseFeePerGas: plan.baseFeePerGas };
          break;
        }
      }
      try {
        const { request } = await publicClient.simulateContract({
          account: walletClient.account,
          address: registry,
          abi: ScheduleRegistryAbi,
          functionName: "execute",
          args: [cached.id, due.occurrence],
          blockTag,
          // Under the cap (feePlan); the request carries them to the send.
          ...(plan && !plan.defer ? plan.fees : undefined),
        });
        // The full ABI (simulate keeps only the function): a revert at send time is decoded too.
        const hash = await walletClient.writeContract({ ...request, abi: ScheduleRegistryAbi });
        this.inFlight.set(id, { occurrence: due.occurrence, hash });
        sent.push({ id: cached.id, occurrence: due.occurrence, hash });
        this.debug(`schedule ${id}: executing occurrence ${due.occurrence} (due ${due.scheduledAt}) in ${hash}`);
      } catch (error) {
        this.onRevert(cached.id, due.occurrence, error, now, result);
      }
    }
    result.sent = sent;
    if (plan) this.notePrice(plan);
    await this.checkInFlight(result, this.options.receiptTimeoutMs ?? 60_000);
    return result;
  }

  /**
   * Fees under `cap`: on an EIP-1559 chain the base fee of the block the round reads (the pending one where the node
   * has it, as read by chainClock) decides (above the cap: defer), and the
   * node's estimate is lowered to the cap (max fee) and to the max fee (priority fee); on a chain without a base
   * fee the node's gas price decides and the transaction is sent at it.
   */
  private async feePlan(cap: bigint, baseFeePerGas: bigint | null): Promise<FeePlan> {
    const { publicClient } = this.options;
    if (baseFeePerGas === null) {
      const gasPrice = await publicClient.getGasPrice();
      return gasPrice > cap ? { defer: true, baseFeePerGas: gasPrice } : { defer: false };
    }
    if (baseFeePerGas > cap) return { defer: true, baseFeePerGas };
    const estimate = await publicClient.estimateFeesPerGas();
    const maxFeePerGas = estimate.maxFeePerGas < cap ? estimate.maxFeePerGas : cap;
    const maxPriorityFeePerGas = estimate.maxPriorityFeePerGas < maxFeePerGas ? estimate.maxPriorityFeePerGas : maxFeePerGas;
    return { defer: false, fees: { maxFeePerGas, maxPriorityFeePerGas } };
  }

  /** Counts a deferred round; logs when the base fee goes above the cap and when it is back under it. */
  private notePrice(plan: FeePlan): void {
    const cap = this.options.maxFeePerGas!;
    if (plan.defer) {
      this.stats.deferred++;
      if (!this.priced) this.log(`base fee ${formatGwei(plan.baseFeePerGas)} gwei is above the cap of ${formatGwei(cap)} gwei (RELAY_KEEPER_MAX_FEE_GWEI): due executions wait`);
      this.priced = true;
    } else if (this.priced) {
      this.log(`base fee back under the cap of ${formatGwei(cap)} gwei: executing again`);
      this.priced = false;
    }
  }

  private onRevert(id: bigint, occurrence: number, error: unknown, now: number, result: KeeperRound): void {
    const name = revertName(error);
    this.suppressed.set(`${id}:${occurrence}`, now + (this.options.retryMs ?? 30_000));
    if (name && EXPECTED.has(name)) {
      this.stats.skipped++;
      result.skipped.push({ id, occurrence, reason: name });
      this.debug(`schedule ${id} occurrence ${occurrence}: ${name}; not retried`);
    } else {
      this.stats.failed++;
      const message = `schedule ${id} occurrence ${occurrence}: ${name ?? shortError(error)}; retried in ${(this.options.retryMs ?? 30_000) / 1000} s`;
      result.skipped.push({ id, occurrence, reason: name ?? "error" });
      this.stats.lastError = message;
      this.log(message);
    }
  }

  /** Waits (up to `timeoutMs`, 0 = only look) for the receipts of transactions in flight. */
  private async checkInFlight(result: KeeperRound, timeoutMs = 0): Promise<void> {
    const { publicClient } = this.options;
    await Promise.all(
      [...this.inFlight].map(async ([id, { occurrence, hash }]) => {
        const receipt = await (timeoutMs > 0
          ? publicClient.waitForTransactionReceipt({ hash, timeout: timeoutMs, pollingInterval: 250 })
          : publicClient.getTransactionReceipt({ hash })
        ).catch(() => undefined);
        if (!receipt) return;
        this.inFlight.delete(id);
        const cached = this.schedules.get(id);
        if (receipt.status === "success") {
          this.stats.executed++;
          this.stats.lastGasUsed = String(receipt.gasUsed);
          result.executed.push({ id: BigInt(id), occurrence, gasUsed: receipt.gasUsed });
          if (cached) this.schedules.set(id, { ...cached, nextOccurrence: Math.max(cached.nextOccurrence, occurrence + 1) });
        } else {
          // Mined but reverted: another keeper's transaction came first in the block (or the state changed).
          this.stats.skipped++;
          result.skipped.push({ id: BigInt(id), occurrence, reason: "reverted" });
          this.suppressed.set(`${id}:${occurrence}`, Date.now() + (this.options.retryMs ?? 30_000));
          this.debug(`schedule ${id} occurrence ${occurrence}: ${hash} reverted (another keeper first?)`);
        }
      }),
    );
  }

  start(): void {
    this.loop.start();
  }

  /** Ends the loop after the round in flight (its receipts are awaited, bounded by receiptTimeoutMs). */
  async stop(): Promise<void> {
    await this.loop.stop();
  }
}
