/**
 * The keeper and the attestor wired into startRelay (indexer/relay/chainLoops.ts) against a real Hardhat node with
 * the Concord Ignition deployment (the same code as `npm run dev`): config from the environment with dev keys
 * (keeper: dev account #19, attestor: the deployer #0), a due interval call executed by the keeper, a fire and a
 * delivery attested, their proofs served by GET /v1/proofs/:id and verified on-chain; stop() ends everything.
 */
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPublicClient, createWalletClient, http, parseEventLogs, type Address, type Hex } from "viem";
import { mnemonicToAccount } from "viem/accounts";
import { hardhat } from "viem/chains";
import { AttestationsAbi } from "../../indexer/abis/AttestationsAbi.ts";
import { ScheduleRegistryAbi } from "../../indexer/abis/ScheduleRegistryAbi.ts";
import { loadRelayConfig } from "../../indexer/relay/config.ts";
import { enqueueDeliveries } from "../../indexer/relay/outbox.ts";
import { startRelay, type Relay } from "../../indexer/relay/relay.ts";
import { deployConcord, type ConcordDeployment } from "../../scripts/lib/deployConcord.ts";
import { ProcessGroup } from "../../scripts/lib/processes.ts";
import { startHardhatNode } from "../../scripts/lib/startHardhatNode.ts";
import { getFreePort, rpcRequest } from "../../scripts/lib/waitFor.ts";
import { DEV_MNEMONIC } from "../e2e/harness.ts";
import { startFakeFeed, waitUntil, type FakeFeed } from "./helpers.ts";

const DEPLOYER_KEY = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";
const KEEPER_KEY = "0xdf57089febbacf7ba0bc227dafbffa9fc08a93fdc68e1e42411a14efcf23656e";
const KEEPER_ADDRESS = "0x8626f6940E2eb28930eFb4CeF49B2d1F2C9C1199";

describe("keeper and attestor in startRelay", () => {
  const group = new ProcessGroup();
  const workDir = mkdtempSync(path.join(os.tmpdir(), "concord-chainloops-"));
  const deploymentId = `chainloops-${path.basename(workDir)}`;
  let rpcUrl: string;
  let deployment: ConcordDeployment;
  let feed: FakeFeed;
  let relay: Relay | undefined;
  const logs: string[] = [];

  beforeAll(async () => {
    const node = await startHardhatNode({ group, host: "127.0.0.1", port: await getFreePort(), logFile: path.join(workDir, "chain.log") });
    rpcUrl = node.rpcUrl;
    deployment = await deployConcord({ rpcUrl, deploymentId, outFile: path.join(workDir, "31337.json") });
    feed = await startFakeFeed();
  });
  afterAll(async () => {
    await relay?.stop();
    await feed?.close();
    await group.stopAll();
    rmSync(path.join(process.cwd(), "ignition", "deployments", deploymentId), { recursive: true, force: true });
    rmSync(workDir, { recursive: true, force: true });
  });

  it("executes a due call, attests a fire and a delivery, serves proofs that verify on-chain, stops cleanly", async () => {
    const chain = { ...hardhat, rpcUrls: { default: { http: [rpcUrl] } } };
    const publicClient = createPublicClient({ chain, transport: http(rpcUrl) });
    const owner = createWalletClient({ chain, transport: http(rpcUrl), account: mnemonicToAccount(DEV_MNEMONIC, { addressIndex: 3 }) });
    const registry = deployment.contracts.ScheduleRegistry!.address;
    const attestations = deployment.contracts.Attestations!.address;

    // An interval call to an account (an empty call succeeds), due in 2 s, every hour.
    const now = Number((await publicClient.getBlock()).timestamp);
    const hash = await owner.writeContract({
      address: registry,
      abi: ScheduleRegistryAbi,
      functionName: "register",
      args: [
        {
          swarmId: 0n,
          cron: "",
          period: 3600,
          startTime: now + 2,
          endTime: 0,
          maxRuns: 0,
          catchUp: 1,
          payload: "0x",
          endpoint: "",
          target: "0x000000000000000000000000000000000000dEaD",
          callData: "0x",
          valuePerRun: 0n,
          callGasLimit: 50_000,
        },
      ],
    });
    await publicClient.waitForTransactionReceipt({ hash });

    const env = {
      RELAY_PORT: "0",
      RELAY_INDEXER_URL: feed.url,
      RELAY_DATA_DIR: path.join(workDir, "relay"),
      CONCORD_DEPLOYMENT: path.join(workDir, "31337.json"),
      RELAY_SCHEDULER: "0",
      RELAY_KEEPER_PRIVATE_KEY: KEEPER_KEY,
      RELAY_KEEPER_SOURCE: "chain",
      RELAY_KEEPER_INTERVAL_MS: "200",
      // A fee cap far above the local node's base fee: the keeper sends under it.
      RELAY_KEEPER_MAX_FEE_GWEI: "1000",
      RELAY_ATTESTOR_PRIVATE_KEY: DEPLOYER_KEY,
      RELAY_ATTEST_INTERVAL_MS: "300",
      RELAY_REORG_DEPTH: "0",
    };
    for (const bad of ["0", "-1", "ten", "1.0000000001", "1e3"]) {
      expect(() => loadRelayConfig({ ...env, RELAY_KEEPER_MAX_FEE_GWEI: bad }, process.cwd()), bad).toThrow(/RELAY_KEEPER_MAX_FEE_GWEI=.*positive number of gwei/);
    }
    expect(loadRelayConfig({ ...env, RELAY_KEEPER_MAX_FEE_GWEI: "0.05" }, process.cwd()).keeper?.maxFeePerGas).toBe(50_000_000n);
    const config = loadRelayConfig(env, process.cwd());
    expect(config.keeper?.maxFeePerGas).toBe(1_000_000_000_000n);
    expect(config.keeper?.scheduleRegistry).toBe(registry);
    expect(config.attestor?.attestations).toBe(attestations);
    relay = await startRelay(config, { log: (m) => logs.push(m) });

    // The keeper (#19) executes occurrence 0 once it is due (chain time: the node's pending block).
    const executed = await waitUntil(async () => {
      const events = await publicClient.getContractEvents({ address: registry, abi: ScheduleRegistryAbi, eventName: "ScheduleExecuted", fromBlock: 0n });
      return events.length > 0 ? events : undefined;
    }, "the keeper's execution", 30_000, 200);
    expect(executed).toHaveLength(1);
    expect(executed[0]!.args).toMatchObject({ scheduleId: 1n, occurrence: 0, success: true });
    expect(executed[0]!.args.executor!.toLowerCase()).toBe(KEEPER_ADDRESS.toLowerCase());
    expect((await publicClient.getTransaction({ hash: executed[0]!.transactionHash! })).maxFeePerGas! <= 1_000_000_000_000n).toBe(true);
    const receipt = await publicClient.getTransactionReceipt({ hash: executed[0]!.transactionHash! });
    console.info(`execute gas through the relay's keeper (empty call to an EOA): ${receipt.gasUsed}`);

    // A fire and a delivered webhook in the relay's store (as the scheduler and the delivery pool record them).
    const db = relay.db;
    await db.query("INSERT INTO relay_fires (schedule_id, scheduled_time, run_number, fired_at, delivery_id) VALUES ('1', $1, 0, $2, 'msg_00000000000000000000000000000001')", [now + 2, (now + 2) * 1000 + 120]);
    await enqueueDeliveries(db, [
      { id: "msg_00000000000000000000000000000001", subscriptionId: "schedule:1", eventId: "schedule:1:0", kind: "immediate", eventType: "schedule.fired", blockNumber: "0", blockHash: "0x", refId: null, body: '{"type":"schedule.fired"}' },
    ]);
    await db.query("UPDATE relay_outbox SET status = 'delivered', attempts = 1, last_status_code = 200, delivered_at = $1", [Date.now()]);

    type Proof = { seq: string; kind: string; leaf: Record<string, string>; proof: Hex[]; attestations: Address; leafFunction: string; chainId: number };
    const proofOf = async (id: string) =>
      waitUntil(async () => {
        const response = await fetch(`${relay!.url}/v1/proofs/${encodeURIComponent(id)}`);
        return response.status === 200 ? ((await response.json()) as Proof) : undefined;
      }, `the proof of ${id}`, 30_000, 200);
    const fire = await proofOf("schedule:1:" + (now + 2));
    const delivery = await proofOf("msg_00000000000000000000000000000001");
    expect(fire).toMatchObject({ kind: "fire", attestations, leafFunction: "verifyFire", chainId: 31337 });
    expect(delivery.seq).toBe(fire.seq);
    expect(
      await publicClient.readContract({
        address: attestations,
        abi: AttestationsAbi,
        functionName: "verifyFire",
        args: [BigInt(fire.seq), { scheduleId: BigInt(fire.leaf.scheduleId!), scheduledTime: Number(fire.leaf.scheduledTime), runNumber: Number(fire.leaf.runNumber), firedAt: Number(fire.leaf.firedAt), deliveryId: fire.leaf.deliveryId as Hex }, fire.proof],
      }),
    ).toBe(true);
    expect(
      await publicClient.readContract({
        address: attestations,
        abi: AttestationsAbi,
        functionName: "verifyDelivery",
        args: [BigInt(delivery.seq), { deliveryId: delivery.leaf.deliveryId as Hex, subscriptionId: BigInt(delivery.leaf.subscriptionId!), bodyHash: delivery.leaf.bodyHash as Hex, statusCode: Number(delivery.leaf.statusCode), attempt: Number(delivery.leaf.attempt), deliveredAt: Number(delivery.leaf.deliveredAt) }, delivery.proof],
      }),
    ).toBe(true);
    // The fire's leaf names its webhook: deliveryId = keccak256 of the webhook-id.
    expect(fire.leaf.deliveryId).toBe(delivery.leaf.deliveryId);
    // The batch's uri is this relay's batch route.
    const posted = await publicClient.getContractEvents({ address: attestations, abi: AttestationsAbi, eventName: "AttestationPosted", fromBlock: 0n });
    expect(posted.at(-1)!.args.uri).toBe(`${relay.url}/v1/attestation-batches/${fire.seq}`);
    const attestReceipt = await publicClient.getTransactionReceipt({ hash: posted.at(-1)!.transactionHash! });
    expect(parseEventLogs({ abi: AttestationsAbi, logs: attestReceipt.logs })).toHaveLength(1);
    console.info(`attest gas through the relay (2 leaves, uri ${posted.at(-1)!.args.uri!.length} bytes): ${attestReceipt.gasUsed}`);
    const batch = (await (await fetch(posted.at(-1)!.args.uri!)).json()) as { leaves: unknown[]; status: string };
    expect(batch).toMatchObject({ status: "posted" });
    expect(batch.leaves).toHaveLength(2);

    // /health shows both loops (from memory).
    const health = (await (await fetch(`${relay.url}/health`)).json()) as { stats: { keeper: { executed: number }; attestor: { posted: number; leader: boolean } } };
    expect(health.stats.keeper.executed).toBe(1);
    expect(health.stats.attestor).toMatchObject({ leader: true });
    expect(health.stats.attestor.posted).toBeGreaterThan(0);

    // Nothing went wrong in the loops; stop() ends them and the relay.
    expect(logs.filter((m) => /keeper: |attestor: /.test(m) && !/: on \(|attesting \(lease holder\)/.test(m))).toEqual([]);
    await relay.stop();
    relay = undefined;
    const blockAfterStop = await rpcRequest<string>(rpcUrl, "eth_blockNumber");
    await new Promise((r) => setTimeout(r, 700));
    expect(await rpcRequest<string>(rpcUrl, "eth_blockNumber")).toBe(blockAfterStop);
  });
});
