/**
 * `npx node bench/lib/relayLoadCli.ts [pg|pglite] [subscriptions] [events] [latencyEvents]`: the relay-only load
 * (bench/lib/relayLoad.ts) from the command line, for profiling. RELAY_* variables in the environment are passed
 * to the relay; RELAY_NODE_OPTIONS (e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof") to its node process.
 */
import { loadavg } from "node:os";
import { runRelayLoad } from "./relayLoad.ts";

const [store = "pg", subs = "1000", events = "20", latencyEvents = "0"] = process.argv.slice(2);
const relayEnv: Record<string, string> = {};
for (const [k, v] of Object.entries(process.env)) if (k.startsWith("RELAY_") && k !== "RELAY_NODE_OPTIONS" && v !== undefined) relayEnv[k] = v;
const before = loadavg()[0]!;
const report = await runRelayLoad({
  subscriptions: Number(subs),
  events: Number(events),
  latencyEvents: Number(latencyEvents),
  databaseUrl: store === "pg" ? (process.env.DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test") : undefined,
  relayEnv,
  nodeOptions: process.env.RELAY_NODE_OPTIONS,
  log: (m) => console.log(m),
});
console.log(JSON.stringify({ ...report, loadavgBefore: before, loadavgAfter: loadavg()[0] }, null, 1));
