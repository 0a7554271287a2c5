/**
 * GET /v1/attestations?after=<seq>&limit=&attestor=           batches by seq ascending, cursor-paginated
 * GET /v1/attestations/:seq                                   one batch (404 attestation_not_found)
 * GET /v1/attestors?allowed=true|false                        every account ever made an attestor
 *
 * Batches of the Attestations contract (table `attestations`): `seq`, Merkle `root`, `prevRoot`, running
 * `chainedHead`, `leafCount`, span `fromTime`..`toTime`, `uri`, `attestor`, and the chain cursor of the
 * AttestationPosted log (`eventId` = its feed cursor, `timestamp` = postedAt). `{ items, nextCursor }`: pass
 * `nextCursor` (a seq) as `after`; null on the last page.
 */
import { Hono } from "hono";
import { db } from "ponder:api";
import { attestation as attestations, attestor as attestors } from "ponder:schema";
import { and, asc, eq, gt } from "ponder";
import { notFound } from "../lib/errors.ts";
import { pageOf, toJson } from "../lib/json.ts";
import { parseAttestationSeq, parseAttestationsQuery, parseAttestorsQuery } from "../lib/timeParams.ts";

export const attestationRoutes = new Hono();

attestationRoutes.get("/attestations", async (c) => {
  const query = parseAttestationsQuery(c.req.query());
  const conditions = [];
  if (query.after !== undefined) conditions.push(gt(attestations.seq, query.after));
  if (query.attestor !== undefined) conditions.push(eq(attestations.attestor, query.attestor));
  const rows = await db
    .select()
    .from(attestations)
    .where(conditions.length === 0 ? undefined : and(...conditions))
    .orderBy(asc(attestations.seq))
    .limit(query.limit + 1);
  return c.json(toJson(pageOf(rows, query.limit, (row) => row.seq.toString())));
});

attestationRoutes.get("/attestations/:seq", async (c) => {
  const seq = parseAttestationSeq(c.req.param("seq"));
  const rows = await db.select().from(attestations).where(eq(attestations.seq, seq)).limit(1);
  const row = rows[0];
  if (row === undefined) throw notFound("attestation_not_found", `Attestation ${seq} does not exist`, { seq: seq.toString() });
  return c.json(toJson(row));
});

attestationRoutes.get("/attestors", async (c) => {
  const query = parseAttestorsQuery(c.req.query());
  const rows = await db
    .select()
    .from(attestors)
    .where(query.allowed === undefined ? undefined : eq(attestors.allowed, query.allowed))
    .orderBy(asc(attestors.address));
  return c.json(toJson({ items: rows }));
});
