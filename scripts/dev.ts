/**
 * `npm run dev`: the whole Concord stack on this machine, nothing external, embedded defaults.
 *
 *   hardhat build → indexer/abis → hardhat node (127.0.0.1:8545, chain 31337) → Ignition deploy (fresh
 *   every start) → indexer/deployments/31337.json → Ponder on PGlite (127.0.0.1:42069, indexer/.ponder
 *   wiped first) → wait for /ready → relay (127.0.0.1:42070, PGlite in .concord/relay, wiped first: the chain
 *   is new) → print what runs where.
 *
 * Ctrl-C (SIGINT), SIGTERM or SIGHUP stop every child process group. Logs: .dev/logs/{chain,indexer,relay}.log.
 * Env: CONCORD_CHAIN_PORT, CONCORD_INDEXER_PORT, CONCORD_RELAY_PORT (defaults 8545, 42069, 42070);
 * CONCORD_DEV_QUIET=1 hides the indexer's and relay's log lines on the terminal; RELAY_* tune the relay
 * (indexer/relay/README.md; loopback and private endpoints are allowed in dev). A second stack on other ports keeps its own files (.dev/<port>/,
 * ignition/deployments/dev-<port>, indexer/.ponder/pglite-<port>), so two never clobber each other.
 */
import path from "node:path";
import { DEFAULTS, DEPLOYMENTS_DIR, DEV_DIR, INDEXER_DIR, ROOT_DIR } from "./lib/paths.ts";
import { ProcessGroup } from "./lib/processes.ts";
import { startStack, type Stack } from "./lib/stack.ts";
import { assertPortFree } from "./lib/waitFor.ts";

const host = DEFAULTS.host;
const chainPort = Number(process.env.CONCORD_CHAIN_PORT ?? DEFAULTS.chainPort);
const indexerPort = Number(process.env.CONCORD_INDEXER_PORT ?? DEFAULTS.indexerPort);
const relayPort = Number(process.env.CONCORD_RELAY_PORT ?? DEFAULTS.relayPort);
const quiet = process.env.CONCORD_DEV_QUIET === "1";
const isDefault = chainPort === DEFAULTS.chainPort && indexerPort === DEFAULTS.indexerPort;
const workDir = isDefault ? DEV_DIR : path.join(DEV_DIR, String(chainPort));
const deploymentFile = isDefault
  ? path.join(DEPLOYMENTS_DIR, `${DEFAULTS.chainId}.json`)
  : path.join(workDir, "deployments", `${DEFAULTS.chainId}.json`);
const pgliteDir = path.join(INDEXER_DIR, ".ponder", isDefault ? "pglite" : `pglite-${indexerPort}`);
const relayDataDir = isDefault ? path.join(ROOT_DIR, ".concord", "relay") : path.join(workDir, "relay");

/** Ponder lines that are noise on an idle local chain. */
const NOISE = [/Detected public RPC URL/, /No new block received within expected time/];
const showIndexerLine = (line: string) => !quiet && !NOISE.some((re) => re.test(line));

/** Hardhat dev accounts #0 (deployer, first attestor) and #19 (keeper) of the public test mnemonic. */
const DEV_ATTESTOR_KEY = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";
const DEV_KEEPER_KEY = "0xdf57089febbacf7ba0bc227dafbffa9fc08a93fdc68e1e42411a14efcf23656e";

const log = (message: string) => console.log(`[dev] ${message}`);
const fail = (message: string): never => {
  console.error(`\n[dev] ERROR: ${message}\n`);
  process.exit(1);
};

const group = new ProcessGroup();
let stack: Stack | undefined;
let stopping: Promise<void> | undefined;

function shutdown(reason: string, exitCode: number): Promise<void> {
  stopping ??= (async () => {
    log(`${reason}: stopping every process…`);
    await group.stopAll();
    log("Stopped.");
    process.exit(exitCode);
  })();
  return stopping;
}

const signalCodes = { SIGINT: 130, SIGTERM: 143, SIGHUP: 129 } as const;
for (const [signal, code] of Object.entries(signalCodes)) {
  process.on(signal, () => void shutdown(signal, code));
}

// Both ports before anything slow, so a taken port fails in a second with a clear message.
try {
  await assertPortFree(chainPort, host, "the Hardhat node (chain JSON-RPC)");
  await assertPortFree(indexerPort, host, "the Ponder indexer (GraphQL/SQL/REST)");
  await assertPortFree(relayPort, host, "the Concord relay (webhooks)");
} catch (error) {
  fail(`${(error as Error).message}\nIs another \`npm run dev\` (or \`npx hardhat node\`, \`ponder dev\`) running?`);
}

try {
  // A Ctrl-C during start-up stops what already started: the children join `group` as they start.
  const started = startStack({
    host,
    chainPort,
    indexerPort,
    workDir,
    group,
    deploymentFile,
    deploymentId: isDefault ? undefined : `dev-${chainPort}`,
    pgliteDir,
    wipeIndexer: true,
    echoIndexer: showIndexerLine,
    relay: {
      port: relayPort,
      dataDir: relayDataDir,
      wipe: true,
      echo: () => !quiet,
      env: {
        RELAY_ALLOW_LOOPBACK: process.env.RELAY_ALLOW_LOOPBACK ?? "1",
        RELAY_ALLOW_PRIVATE: process.env.RELAY_ALLOW_PRIVATE ?? "1",
        // Keeper: dev account #19 (not the deployer, not a demo agent); attestor: the deployer #0, Attestations'
        // first attestor (ignition/modules/Time.ts). Public Hardhat keys: dev only. Empty values turn them off.
        RELAY_KEEPER_PRIVATE_KEY: process.env.RELAY_KEEPER_PRIVATE_KEY ?? DEV_KEEPER_KEY,
        RELAY_ATTESTOR_PRIVATE_KEY: process.env.RELAY_ATTESTOR_PRIVATE_KEY ?? DEV_ATTESTOR_KEY,
      },
    },
    log,
    onUnexpectedExit: (proc) => {
      console.error(`\n[dev] ERROR: ${proc.describeExit()}`);
      void shutdown(`${proc.name} stopped unexpectedly`, 1);
    },
  });
  stack = await started;
} catch (error) {
  if (stopping) await stopping;
  fail((error as Error).message);
}

if (stack && !stopping) {
  const { chain, deployment, indexer, relay } = stack;
  const width = Math.max(...Object.keys(deployment.contracts).map((name) => name.length));
  const rel = (file: string) => path.relative(ROOT_DIR, file);
  console.log(`
Concord is running (chain ${deployment.chainId}). Ctrl-C stops everything.

  Chain JSON-RPC   ${chain.rpcUrl}
  Contracts        (from ${rel(deploymentFile)})
${Object.entries(deployment.contracts)
  .map(([name, { address, startBlock }]) => `    ${name.padEnd(width)}  ${address}  (block ${startBlock})`)
  .join("\n")}
  GraphQL          ${indexer.urls.graphql}
  SQL over HTTP    ${indexer.urls.sql}/*   (@ponder/client)
  REST             ${indexer.urls.api}/v1/…
  Health           ${indexer.urls.health}  ${indexer.urls.ready}  ${indexer.urls.status}  ${indexer.urls.metrics}
  Relay (webhooks) ${relay?.url ?? "-"}   /health, /v1/subscriptions/:id/{secret,deliveries,redrive} (wallet-signed)
                   /v1/proofs/:id (attestation proofs, public); keeper #19, attestor #0 (every 60 s)
  Logs             ${rel(path.join(workDir, "logs"))}/chain.log, indexer.log, relay.log
  Indexer data     PGlite in ${rel(pgliteDir)} (wiped at every start)
  Relay data       PGlite in ${rel(relayDataDir)} (wiped at every start)

  Dev accounts: the node funds the 20 accounts of the mnemonic
  "test test test test test test test test test test test junk" with 10000 ETH each; account #0 is
  0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266 (private key 0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80).
  Never send real funds to them: the keys are public. \`npx hardhat node\` prints all 20 (see ${rel(path.join(workDir, "logs/chain.log"))}).
`);
}
