/**
 * The relay process: `node indexer/relay/main.ts` (started by `npm run dev` too). Configuration from the
 * environment (see README.md here). SIGTERM/SIGINT stop it cleanly; a SIGKILL loses nothing either.
 */
import { loadRelayConfig } from "./config.ts";
import { RelayError } from "./errors.ts";
import { startRelay, type Relay } from "./relay.ts";

let relay: Relay | undefined;
try {
  relay = await startRelay(loadRelayConfig());
} catch (error) {
  const code = error instanceof RelayError ? ` [${error.code}]` : "";
  console.error(`[relay] cannot start${code}: ${(error as Error).message}`);
  process.exit(1);
}

let stopping = false;
for (const signal of ["SIGTERM", "SIGINT", "SIGHUP"] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    console.log(`[relay] ${signal}: stopping (finishing deliveries in flight)…`);
    void relay!.stop().then(
      () => process.exit(0),
      (error) => {
        console.error(`[relay] stop failed: ${(error as Error).message}`);
        process.exit(1);
      },
    );
  });
}
