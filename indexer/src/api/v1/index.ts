/** The /v1 REST routes for agents (JSON; bigints as decimal strings; addresses and hashes lowercase). */
import { Hono } from "hono";
import { attestationRoutes } from "./attestations.ts";
import { consensusRoutes } from "./consensus.ts";
import { eventRoutes } from "./events.ts";
import { messageRoutes } from "./messages.ts";
import { scheduleRoutes } from "./schedules.ts";
import { stateRoutes } from "./state.ts";
import { subscriptionRoutes } from "./subscriptions.ts";
import { swarmRoutes } from "./swarms.ts";
import { taskRoutes } from "./tasks.ts";

export const v1 = new Hono();
v1.route("/", swarmRoutes);
v1.route("/", taskRoutes);
v1.route("/", stateRoutes);
v1.route("/", messageRoutes);
v1.route("/", consensusRoutes);
v1.route("/", eventRoutes);
v1.route("/", subscriptionRoutes);
v1.route("/", scheduleRoutes);
v1.route("/", attestationRoutes);
