/**
 * GET /v1/swarms/:id/proposals   a swarm's proposals, ascending by id, cursor-paginated:
 *                                ?status=active,ended&limit=&cursor= → { items, nextCursor, asOf }
 * GET /v1/proposals/:id          one proposal with `options` (index and tally), `votes` and `history`
 *
 * `state` is IProposals.state() at the latest indexed block (`asOf`): pending | active | revealing | ended
 * (from the clock while `status` is `open`), else the recorded cancelled | passed | rejected |
 * quorum_not_reached | executed. The `status` filter takes those states (and `open` = any of the first four).
 */
import { Hono } from "hono";
import { db } from "ponder:api";
import { proposalEvent as proposalEvents, proposal as proposals, vote as votes } from "ponder:schema";
import { and, asc, eq, gt, gte, lt, lte, or } from "ponder";
import { type ProposalFilter, parseProposalId, parseProposalsQuery, proposalState } from "../lib/consensusParams.ts";
import { notFound } from "../lib/errors.ts";
import { pageOf, toJson } from "../lib/json.ts";
import { parseSwarmId } from "../lib/params.ts";
import { indexedHead } from "./clock.ts";
import { requireSwarm } from "./common.ts";

export const proposalRoutes = new Hono();

type ProposalRow = typeof proposals.$inferSelect;
/** A drizzle SQL condition (ponder does not re-export drizzle's SQL type). */
type Condition = ReturnType<typeof and>;

/** The SQL condition of one `status` filter value at block time `now` (mirrors proposalState). */
function stateCondition(filter: ProposalFilter, now: bigint): Condition {
  const open = eq(proposals.status, "open");
  switch (filter) {
    case "open":
      return open;
    case "pending":
      return and(open, gt(proposals.voteStart, now));
    case "active":
      return and(open, lte(proposals.voteStart, now), gte(proposals.voteEnd, now));
    case "revealing":
      return and(open, eq(proposals.votingMode, "commit_reveal"), lt(proposals.voteEnd, now), gte(proposals.revealEnd, now));
    case "ended":
      return and(
        open,
        lt(proposals.voteEnd, now),
        or(eq(proposals.votingMode, "open"), lt(proposals.revealEnd, now)),
      );
    default:
      return eq(proposals.status, filter);
  }
}

function withState(row: ProposalRow, now: bigint) {
  return {
    ...row,
    state: proposalState(row, now),
    options: row.tallies.map((tally, index) => ({ index, tally })),
  };
}

proposalRoutes.get("/swarms/:id/proposals", async (c) => {
  const id = parseSwarmId(c.req.param("id"));
  const query = parseProposalsQuery(c.req.query());
  await requireSwarm(id);
  const head = await indexedHead();
  const conditions: Condition[] = [eq(proposals.swarmId, id)];
  if (query.statuses !== undefined) conditions.push(or(...query.statuses.map((s) => stateCondition(s, head.timestamp))));
  if (query.cursor !== undefined) conditions.push(gt(proposals.id, query.cursor));
  const rows = await db
    .select()
    .from(proposals)
    .where(and(...conditions))
    .orderBy(asc(proposals.id))
    .limit(query.limit + 1);
  const page = pageOf(rows, query.limit, (row) => row.id.toString());
  return c.json(toJson({ items: page.items.map((row) => withState(row, head.timestamp)), nextCursor: page.nextCursor, asOf: head }));
});

proposalRoutes.get("/proposals/:id", async (c) => {
  const id = parseProposalId(c.req.param("id"));
  const [rows, voteRows, history, head] = await Promise.all([
    db.select().from(proposals).where(eq(proposals.id, id)).limit(1),
    db
      .select()
      .from(votes)
      .where(eq(votes.proposalId, id))
      .orderBy(asc(votes.updatedBlock), asc(votes.updatedLogIndex), asc(votes.voter)),
    db
      .select()
      .from(proposalEvents)
      .where(eq(proposalEvents.proposalId, id))
      .orderBy(asc(proposalEvents.blockNumber), asc(proposalEvents.logIndex)),
    indexedHead(),
  ]);
  const row = rows[0];
  if (row === undefined) {
    throw notFound("proposal_not_found", `Proposal ${id} does not exist`, { proposalId: id.toString() });
  }
  return c.json(toJson({ ...withState(row, head.timestamp), votes: voteRows, history, asOf: head }));
});
