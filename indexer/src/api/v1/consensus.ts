/**
 * The consensus routes (LeaderElection, LockManager, Proposals), mounted under /v1 by ./index.ts:
 *   GET /v1/swarms/:id/leader, GET /v1/locks/:id, GET /v1/swarms/:id/locks/:name,
 *   GET /v1/swarms/:id/proposals, GET /v1/proposals/:id
 */
import { Hono } from "hono";
import { leaderRoutes } from "./leader.ts";
import { lockRoutes } from "./locks.ts";
import { proposalRoutes } from "./proposals.ts";

export const consensusRoutes = new Hono();
consensusRoutes.route("/", leaderRoutes);
consensusRoutes.route("/", lockRoutes);
consensusRoutes.route("/", proposalRoutes);
