/**
 * Public proof routes of the relay (no authentication: a proof reveals only hashes, ids, status codes and times,
 * never a body, an endpoint or a secret):
 *
 *   GET /v1/proofs/:id                 id = a webhook-id `msg_…` (a delivery), or a fire key
 *                                      `schedule:<scheduleId>:<scheduledTime>` (unix seconds)
 *     200 { id, kind, seq, root, prevRoot, chainedHead, attestations, chainId, txHash, leafFunction, leaf,
 *           leafHash, proof }  — everything Attestations.verifyFire / verifyDelivery(seq, leaf, proof) needs
 *     404 proof_not_found      unknown id, or a delivery that never succeeded (dead / cancelled: not attested)
 *     409 not_yet_attested     recorded, not in a posted batch yet (details.status: pending | delivering |
 *                              delivered | fired | built | sent)
 *     400 invalid_proof_id
 *   GET /v1/attestation-batches/:seq   a batch's header and every leaf (values + hash): anyone can rebuild the tree
 *                                      and compare its root with the chain's (the batch's on-chain `uri`)
 */
import { Hono } from "hono";
import type { Address } from "viem";
import type { Db } from "../db/Db.ts";
import { batchLeaves, findLeaf, getBatch } from "./store.ts";

export type ProofRoutesOptions = {
  db: Db;
  /** The Attestations contract (null when the deployment has none configured). */
  attestations: Address | null;
  chainId: () => number | undefined;
};

const errorBody = (code: string, message: string, details?: Record<string, unknown>) => ({ error: { code, message, ...(details ? { details } : {}) } });

const WEBHOOK_ID = /^msg_[0-9A-Za-z_-]{1,128}$/;
const FIRE_KEY = /^schedule:(\d{1,78}):(\d{1,15})$/;

export function proofRoutes(options: ProofRoutesOptions): Hono {
  const { db } = options;
  const app = new Hono();

  app.get("/v1/proofs/:id", async (c) => {
    const id = decodeURIComponent(c.req.param("id"));
    const fire = FIRE_KEY.exec(id);
    if (!WEBHOOK_ID.test(id) && !fire) {
      return c.json(errorBody("invalid_proof_id", "The id must be a webhook-id (msg_…) or a fire key schedule:<scheduleId>:<scheduledTime>", { id }), 400);
    }
    const leaf = await findLeaf(db, id);
    if (leaf && leaf.batch.status === "posted") {
      const struct = leaf.values;
      return c.json({
        id,
        kind: leaf.kind,
        seq: String(leaf.seq),
        root: leaf.batch.root,
        prevRoot: leaf.batch.prevRoot,
        chainedHead: leaf.batch.chainedHead,
        attestations: options.attestations,
        chainId: options.chainId() ?? null,
        txHash: leaf.batch.txHash,
        leafFunction: leaf.kind === "fire" ? "verifyFire" : "verifyDelivery",
        leaf: struct,
        leafHash: leaf.leafHash,
        proof: leaf.proof,
      });
    }
    if (leaf) {
      return c.json(
        errorBody("not_yet_attested", `${id} is in batch ${leaf.seq}, which is not confirmed on chain yet`, { status: leaf.batch.status, seq: String(leaf.seq) }),
        409,
      );
    }
    if (fire) {
      const rows = await db.query("SELECT 1 FROM relay_fires WHERE schedule_id = $1 AND scheduled_time = $2", [fire[1], fire[2]]);
      if (rows.length > 0) return c.json(errorBody("not_yet_attested", `Fire ${id} is recorded but not attested yet`, { status: "fired" }), 409);
      return c.json(errorBody("proof_not_found", `No fire ${id} is recorded by this relay`, { id }), 404);
    }
    const [row] = await db.query<{ status: string }>("SELECT status FROM relay_outbox WHERE id = $1", [id]);
    if (row && ["pending", "held", "delivering", "delivered"].includes(row.status)) {
      return c.json(errorBody("not_yet_attested", `Delivery ${id} is ${row.status}, not attested yet`, { status: row.status }), 409);
    }
    if (row) {
      return c.json(errorBody("proof_not_found", `Delivery ${id} is ${row.status}: only successful deliveries are attested`, { id, status: row.status }), 404);
    }
    return c.json(errorBody("proof_not_found", `No delivery ${id} is known to this relay`, { id }), 404);
  });

  app.get("/v1/attestation-batches/:seq", async (c) => {
    const text = c.req.param("seq");
    if (!/^\d{1,19}$/.test(text) || BigInt(text) < 1n) return c.json(errorBody("invalid_seq", "seq must be a batch number ≥ 1", { seq: text }), 400);
    const batch = await getBatch(db, BigInt(text));
    if (!batch) return c.json(errorBody("batch_not_found", `No batch ${text} was built by this relay`, { seq: text }), 404);
    const leaves = await batchLeaves(db, batch.seq);
    return c.json({
      seq: String(batch.seq),
      root: batch.root,
      prevRoot: batch.prevRoot,
      chainedHead: batch.chainedHead,
      leafCount: batch.leafCount,
      fromTime: batch.fromTime,
      toTime: batch.toTime,
      uri: batch.uri,
      status: batch.status,
      txHash: batch.txHash,
      attestations: options.attestations,
      leaves,
    });
  });

  return app;
}
