/**
 * The local stack end to end: Hardhat node + Ignition deployment + Ponder on PGlite (free ports, temp dir),
 * a swarm created with viem shows up in GraphQL, and stop() leaves no process or port behind.
 */
import { spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import net from "node:net";
import path from "node:path";
import { parseEventLogs, zeroAddress, type Abi } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readIgnitionDeployment } from "../../scripts/lib/ignitionJournal.ts";
import { ROOT_DIR } from "../../scripts/lib/paths.ts";
import { ProcessGroup } from "../../scripts/lib/processes.ts";
import { waitFor } from "../../scripts/lib/waitFor.ts";
import { startStack, type TestStack } from "./harness.ts";

const COORDINATION = ["SwarmRegistry", "TaskBoard", "SharedState", "MessageBus"];

function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

function portAnswers(url: string): Promise<boolean> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = net.connect({ host: hostname, port: Number(port) });
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

describe("local stack (e2e)", () => {
  let stack: TestStack;

  beforeAll(async () => {
    stack = await startStack();
  }, 240_000);

  afterAll(async () => {
    await stack?.stop();
  });

  it("deploys every coordination contract with Ignition and wires each to the registry", async () => {
    const { deployment, addresses, publicClient } = stack;
    expect(deployment.chainId).toBe(31337);
    expect(deployment.rpcUrl).toBe(stack.rpcUrl);
    for (const name of COORDINATION) expect(addresses[name], name).toMatch(/^0x[0-9a-fA-F]{40}$/);

    // The file the indexer read has exactly what deployConcord returned.
    expect(JSON.parse(readFileSync(stack.stack.deploymentFile, "utf8"))).toEqual(deployment);
    // `npm run deployment:write` (real networks) reads the same from Ignition's journal.
    const { rpcUrl: _rpcUrl, ...withoutRpc } = deployment;
    expect(readIgnitionDeployment(stack.ignitionDir, 31337)).toEqual(withoutRpc);

    for (const [name, { address, startBlock }] of Object.entries(deployment.contracts)) {
      const code = await publicClient.getCode({ address, blockNumber: BigInt(startBlock) });
      expect(code && code.length > 2, `${name} has code at its start block`).toBe(true);
      if (startBlock > 0) {
        const before = await publicClient.getCode({ address, blockNumber: BigInt(startBlock - 1) });
        expect(before ?? "0x", `${name} has no code before its start block`).toBe("0x");
      }
      expect(startBlock).toBeGreaterThanOrEqual(deployment.startBlock);
      if (name === "SwarmRegistry") continue;
      const { abi } = JSON.parse(
        readFileSync(path.join(ROOT_DIR, "indexer", "abis", `${name}Abi.ts`), "utf8").replace(/^[^[]*/s, '{"abi":').replace(/\s*as const;\s*$/, "}"),
      ) as { abi: Abi };
      const hasRegistry = abi.some((item) => item.type === "function" && item.name === "registry" && item.inputs.length === 0);
      if (!hasRegistry) continue;
      const registry = await publicClient.readContract({ address, abi, functionName: "registry" });
      expect(String(registry).toLowerCase(), `${name}.registry()`).toBe(addresses.SwarmRegistry!.toLowerCase());
    }
  });

  it("serves Ponder's health endpoints and GraphQL", async () => {
    for (const route of ["/health", "/ready"]) {
      const response = await fetch(stack.apiUrl + route);
      expect(response.status, route).toBe(200);
    }
    const data = await stack.graphql<{ __typename: string }>("{ __typename }");
    expect(data.__typename).toBe("Query");
  });

  it("indexes a swarm created with viem (SwarmCreated → GraphQL)", async () => {
    const { SwarmRegistryAbi } = await import("../../indexer/abis/SwarmRegistryAbi.ts");
    const [owner] = stack.walletClients;
    const metadataURI = `ipfs://concord-e2e-${Date.now()}`;
    const hash = await owner!.writeContract({
      address: stack.addresses.SwarmRegistry!,
      abi: SwarmRegistryAbi,
      functionName: "createSwarm",
      args: [{ policy: 0, gateKind: 0, gateToken: zeroAddress, gateMinBalance: 0n, metadataURI }, []],
    });
    const receipt = await stack.publicClient.waitForTransactionReceipt({ hash });
    expect(receipt.status).toBe("success");
    const [created] = parseEventLogs({ abi: SwarmRegistryAbi, logs: receipt.logs, eventName: "SwarmCreated" });
    const swarmId = created!.args.swarmId;

    // Once the indexer reports the block, the row is there (no polling of the query needed).
    const status = await stack.waitForIndexed(receipt.blockNumber);
    expect(Object.values(status)[0]!.block.number).toBeGreaterThanOrEqual(Number(receipt.blockNumber));
    const direct = await stack.graphql<{ swarm: { id: string } | null }>(`query ($id: BigInt!) { swarm(id: $id) { id } }`, {
      id: swarmId.toString(),
    });
    expect(direct.swarm?.id).toBe(swarmId.toString());

    type SwarmQuery = { swarm: { id: string; owner: string; metadataUri: string; memberCount: string } | null };
    const data = await stack.waitForGraphql<SwarmQuery>(
      `query ($id: BigInt!) { swarm(id: $id) { id owner metadataUri memberCount } }`,
      (d) => d.swarm !== null,
      { variables: { id: swarmId.toString() } },
    );
    expect(data.swarm).toEqual({
      id: swarmId.toString(),
      owner: owner!.account.address.toLowerCase(),
      metadataUri: metadataURI,
      memberCount: "1",
    });
  });

  it("stop() ends every child process group and frees the ports", async () => {
    const pids = stack.stack.group.processes.map((p) => p.pid);
    expect(pids.length).toBeGreaterThanOrEqual(2);
    await stack.stop();
    for (const pid of pids) expect(groupAlive(pid), `process group ${pid}`).toBe(false);
    expect(await portAnswers(stack.rpcUrl)).toBe(false);
    expect(await portAnswers(stack.apiUrl)).toBe(false);
    expect(existsSync(stack.workDir)).toBe(process.env.CONCORD_E2E_KEEP === "1");
  });
});

describe("process groups (scripts/lib/processes.ts)", () => {
  it("stop() kills grandchildren too, escalating to SIGKILL when SIGTERM is ignored", async () => {
    const group = new ProcessGroup();
    // A child that ignores SIGTERM and leaves a grandchild behind: the worst case for orphans.
    const stubborn = group.spawn({
      name: "stubborn",
      command: "sh",
      args: ["-c", 'trap "" TERM; sleep 300 & echo started; wait'],
      stopTimeoutMs: 500,
    });
    const polite = group.spawn({ name: "polite", command: "sleep", args: ["300"] });
    await waitFor(async () => stubborn.tail().includes("started"), { label: "stubborn child", timeoutMs: 10_000 });
    expect(groupAlive(stubborn.pid) && groupAlive(polite.pid)).toBe(true);

    const started = Date.now();
    await group.stopAll();
    expect(groupAlive(stubborn.pid), "stubborn group").toBe(false);
    expect(groupAlive(polite.pid), "polite group").toBe(false);
    expect(polite.exitInfo?.signal).toBe("SIGTERM");
    expect(stubborn.exitInfo?.signal).toBe("SIGKILL");
    expect(Date.now() - started).toBeLessThan(8_000);
  });

  it("a watchdog kills the children when their parent dies without stopping them (SIGKILL)", async () => {
    // A parent (Node 24) starts a child through ProcessGroup, prints the child's pid, and is then SIGKILLed.
    const parentScript = [
      `import { ProcessGroup } from ${JSON.stringify(path.join(ROOT_DIR, "scripts/lib/processes.ts"))};`,
      `const proc = new ProcessGroup().spawn({ name: "orphan", command: "sleep", args: ["300"] });`,
      `console.log(proc.pid);`,
      `setInterval(() => {}, 1000);`,
    ].join("\n");
    const parent = spawn(process.execPath, ["--input-type=module", "-e", parentScript], { stdio: ["ignore", "pipe", "inherit"] });
    const childPid = await new Promise<number>((resolve) => parent.stdout.once("data", (d) => resolve(Number(String(d).trim()))));
    expect(groupAlive(childPid)).toBe(true);
    parent.kill("SIGKILL");
    await waitFor(async () => !groupAlive(childPid), { label: "the orphaned child to be killed", timeoutMs: 10_000 });
  });

  it("reports a child that exits on its own, with its last output", async () => {
    const group = new ProcessGroup();
    const exited = new Promise<string>((resolve) => group.onUnexpectedExit((proc) => resolve(proc.describeExit())));
    group.spawn({ name: "crasher", command: "sh", args: ["-c", "echo boom >&2; exit 3"] });
    const description = await exited;
    expect(description).toMatch(/crasher \(pid \d+\) exited with code 3/);
    expect(description).toContain("boom");
    await group.stopAll();
  });
});
