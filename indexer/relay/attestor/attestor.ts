/**
 * The attestor loop: every `intervalMs`, the lease holder (relay_leader 'attestor'; one attestor among several
 * relay processes on Postgres)
 *   1. settles the open batch, if any (built or sent, e.g. before a crash) against the chain's head():
 *      posted already with our root → marked posted; its number taken by another root → renumbered to head + 1;
 *      not posted → the SAME batch (same leaves, root, seq) is sent again;
 *   2. otherwise builds the next batch (store.ts buildBatch: unattested fires + delivered outbox rows → Merkle
 *      tree → batch, leaves, proofs and attested_seq in one transaction) with seq = head + 1, prevRoot = head's
 *      root, and posts it: simulate `attest(...)`, send, record the tx hash (status sent), wait for the receipt,
 *      mark posted with the chained head from the event.
 * Storing before sending makes a crash at any point safe: at worst the batch is sent twice and the second
 * transaction reverts (AttestationsWrongSequence), or it was never sent and is sent on restart.
 */
import { parseEventLogs, type Account, type Address, type Chain, type Hex, type PublicClient, type Transport, type WalletClient } from "viem";
import { AttestationsAbi } from "../../abis/AttestationsAbi.ts";
import { revertName, shortError } from "../chainClients.ts";
import { IntervalLoop } from "../intervalLoop.ts";
import type { Db } from "../db/Db.ts";
import { AttestationError } from "./leaves.ts";
import {
  acquireAttestorLease,
  buildBatch,
  markPosted,
  markSent,
  openBatch,
  releaseAttestorLease,
  renumberBatch,
  type BatchRow,
} from "./store.ts";

export type AttestorOptions = {
  db: Db;
  publicClient: PublicClient;
  walletClient: WalletClient<Transport, Chain, Account>;
  /** The Attestations contract. */
  attestations: Address;
  /** Lease holder name (the relay's worker id). */
  holder: string;
  intervalMs: number;
  /** Most leaves per batch (oldest first; the rest go into the next batch at once). */
  maxLeaves: number;
  /** The batch's `uri` (where its leaves can be read), e.g. `${publicUrl}/v1/attestation-batches/${seq}`. */
  uriFor: (seq: bigint) => string;
  /** How long one post waits for its receipt before leaving the batch `sent` for the next round. */
  receiptTimeoutMs?: number;
  log?: (message: string) => void;
  debug?: (message: string) => void;
};

export type AttestorRound = {
  leader: boolean;
  /** Batches posted in this round (settled or sent). */
  posted: bigint[];
  /** A batch left open (sent but not confirmed yet, or a send that failed). */
  open?: bigint;
  error?: string;
};

export type AttestorStats = { leader: boolean; posted: number; lastSeq: string | null; lastGasUsed: string | null; lastError: string | null };

type Head = { seq: bigint; chainedHead: Hex; root: Hex };

export class Attestor {
  readonly options: AttestorOptions;
  readonly stats: AttestorStats = { leader: false, posted: 0, lastSeq: null, lastGasUsed: null, lastError: null };
  private readonly loop: IntervalLoop;
  private stoppedForGood = false;

  constructor(options: AttestorOptions) {
    this.options = options;
    // A failed round (the store or the RPC, e.g. the lease query) is logged once per distinct error and retried next interval.
    this.loop = new IntervalLoop(async () => void (await this.runOnce()), options.intervalMs, (error) => {
      const message = shortError(error);
      if (message !== this.stats.lastError) this.log(message);
      this.stats.lastError = message;
    });
  }

  private get leaseMs(): number {
    return Math.max(30_000, this.options.intervalMs * 3);
  }

  private log(message: string): void {
    (this.options.log ?? ((m: string) => console.log(`[relay] ${m}`)))(`attestor: ${message}`);
  }

  private debug(message: string): void {
    this.options.debug?.(`attestor: ${message}`);
  }

  async head(): Promise<Head> {
    const [seq, chainedHead, root] = await this.options.publicClient.readContract({
      address: this.options.attestations,
      abi: AttestationsAbi,
      functionName: "head",
    });
    return { seq: BigInt(seq), chainedHead, root };
  }

  /** One round (what the loop runs every interval); the tests call it directly. */
  async runOnce(now = Date.now()): Promise<AttestorRound> {
    const round: AttestorRound = { leader: false, posted: [] };
    if (this.stoppedForGood) return { ...round, error: this.stats.lastError ?? "stopped" };
    const { db, holder } = this.options;
    round.leader = await acquireAttestorLease(db, holder, this.leaseMs, now);
    if (round.leader !== this.stats.leader) this.log(round.leader ? "attesting (lease holder)" : "another process attests");
    this.stats.leader = round.leader;
    if (!round.leader) return round;
    try {
      // Settle what is open, then build and post new batches while there is more to attest (bounded per round).
      for (let i = 0; i < 10; i++) {
        let batch = await openBatch(db);
        if (!batch) {
          const head = await this.head();
          batch = await buildBatch(db, {
            seq: head.seq + 1n,
            prevRoot: head.root,
            maxLeaves: this.options.maxLeaves,
            uriFor: this.options.uriFor,
            attestor: this.options.walletClient.account.address,
          });
          if (!batch) break;
          this.debug(`built batch ${batch.seq}: ${batch.leafCount} leaves, root ${batch.root}`);
        }
        const posted = await this.settle(batch);
        if (posted === undefined) {
          round.open = batch.seq;
          break;
        }
        round.posted.push(posted);
        if (batch.leafCount < this.options.maxLeaves) break;
      }
      this.stats.lastError = null;
    } catch (error) {
      const message = error instanceof AttestationError ? error.message : shortError(error);
      round.error = message;
      if (message !== this.stats.lastError) this.log(message);
      this.stats.lastError = message;
      if (error instanceof AttestationError && error.code === "chain_behind") this.stoppedForGood = true;
    }
    return round;
  }

  /**
   * Brings the open batch to posted when possible: returns its (final) seq once posted, undefined when it stays
   * open (sent and waiting, or the send failed; the next round retries).
   */
  async settle(initial: BatchRow): Promise<bigint | undefined> {
    const { db, publicClient, walletClient, attestations } = this.options;
    let batch = initial;
    for (let pass = 0; pass < 3; pass++) {
      const head = await this.head();
      if (head.seq >= batch.seq) {
        const onChain = await publicClient.readContract({ address: attestations, abi: AttestationsAbi, functionName: "getAttestation", args: [batch.seq] });
        if (onChain.root.toLowerCase() === batch.root.toLowerCase()) {
          await markPosted(db, batch.seq, onChain.chainedHead, null);
          this.noteposted(batch.seq, null);
          this.debug(`batch ${batch.seq} is on chain already: marked posted`);
          return batch.seq;
        }
      }
      if (head.seq !== batch.seq - 1n || head.root.toLowerCase() !== batch.prevRoot.toLowerCase()) {
        // Another batch took our number (another attestor), or the head is elsewhere: chain after the head.
        const seq = head.seq + 1n;
        this.log(`batch ${batch.seq} re-chained as ${seq} after the chain's head (root ${head.root})`);
        await renumberBatch(db, batch.seq, seq, head.root, this.options.uriFor);
        batch = { ...batch, seq, prevRoot: head.root, status: "built", txHash: null, uri: this.options.uriFor(seq) };
      }
      if (batch.txHash) {
        // Sent before (maybe by a process that crashed): wait for that transaction rather than send another.
        const receipt = await this.receiptOf(batch.txHash);
        if (receipt === "pending") return undefined;
        if (receipt?.status === "success") continue; // the next pass sees it on chain
        batch = { ...batch, txHash: null };
      }
      let request;
      try {
        ({ request } = await publicClient.simulateContract({
          account: walletClient.account,
          address: attestations,
          abi: AttestationsAbi,
          functionName: "attest",
          args: [batch.seq, batch.root, batch.prevRoot, batch.leafCount, batch.fromTime, batch.toTime, batch.uri],
        }));
      } catch (error) {
        const name = revertName(error);
        if (name === "AttestationsWrongSequence" || name === "AttestationsWrongPrevRoot") {
          this.debug(`batch ${batch.seq}: ${name} (the head moved): re-reading it`);
          continue;
        }
        throw new AttestationError("attest_failed", `cannot post batch ${batch.seq}: ${name ?? shortError(error)}`);
      }
      const hash = await walletClient.writeContract({ ...request, abi: AttestationsAbi });
      await markSent(db, batch.seq, hash);
      const receipt = await publicClient
        .waitForTransactionReceipt({ hash, timeout: this.options.receiptTimeoutMs ?? 60_000, pollingInterval: 250 })
        .catch(() => undefined);
      if (!receipt) {
        this.log(`batch ${batch.seq}: transaction ${hash} not mined yet; checked again next round`);
        return undefined;
      }
      if (receipt.status !== "success") {
        this.log(`batch ${batch.seq}: transaction ${hash} reverted; retried next round`);
        return undefined;
      }
      const event = parseEventLogs({ abi: AttestationsAbi, logs: receipt.logs, eventName: "AttestationPosted" })[0];
      const chainedHead = event?.args.chainedHead ?? (await this.head()).chainedHead;
      await markPosted(db, batch.seq, chainedHead, hash);
      this.noteposted(batch.seq, receipt.gasUsed);
      this.debug(`posted batch ${batch.seq} (${batch.leafCount} leaves, ${receipt.gasUsed} gas)`);
      return batch.seq;
    }
    return undefined;
  }

  private noteposted(seq: bigint, gasUsed: bigint | null): void {
    this.stats.posted++;
    this.stats.lastSeq = String(seq);
    if (gasUsed !== null) this.stats.lastGasUsed = String(gasUsed);
  }

  /** The receipt of `hash`, "pending" while the node still holds it unmined, undefined when it is unknown. */
  private async receiptOf(hash: Hex): Promise<Awaited<ReturnType<PublicClient["getTransactionReceipt"]>> | "pending" | undefined> {
    const { publicClient } = this.options;
    try {
      return await publicClient.getTransactionReceipt({ hash });
    } catch {
      try {
        await publicClient.getTransaction({ hash });
        return "pending";
      } catch {
        return undefined;
      }
    }
  }

  start(): void {
    this.loop.start();
  }

  /** Ends the loop after the round in flight (a batch being sent is recorded first) and gives the lease back. */
  async stop(): Promise<void> {
    await this.loop.stop();
    await releaseAttestorLease(this.options.db, this.options.holder).catch(() => {});
  }
}
