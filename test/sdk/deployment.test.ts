/** Deployment files: parse, validate, read, and pick the coordination addresses. */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { coordinationAddresses, DeploymentError, parseDeployment, readDeployment } from "../../sdk/index.ts";

const A = "0x5fbdb2315678afecb367f032d93f642f64180aa3";
const B = "0xe7f1725e7734ce288f8367e1bb143e90bb3f0512";
const C = "0x9fe46736679d2d9a65f0992f2272de9f3c7fa6e0";
const D = "0xcf7ed3acca5a467e9e704c703e8d87f634fb0fc9";

const valid = {
  chainId: 31337,
  rpcUrl: "http://127.0.0.1:8545",
  startBlock: 1,
  contracts: {
    SwarmRegistry: { address: A, startBlock: 1 },
    TaskBoard: { address: B, startBlock: 2 },
    SharedState: { address: C, startBlock: 3 },
    MessageBus: { address: D, startBlock: 4 },
  },
};

describe("deployment files", () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), "concord-sdk-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("parses a deployment and checksums its addresses", () => {
    const deployment = parseDeployment(valid);
    expect(deployment.chainId).toBe(31337);
    expect(deployment.rpcUrl).toBe("http://127.0.0.1:8545");
    expect(deployment.contracts.SwarmRegistry).toEqual({ address: "0x5FbDB2315678afecb367f032d93F642f64180aa3", startBlock: 1 });
    expect(coordinationAddresses(deployment)).toEqual({
      SwarmRegistry: "0x5FbDB2315678afecb367f032d93F642f64180aa3",
      TaskBoard: "0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512",
      SharedState: "0x9fE46736679d2D9a65F0992F2272dE9f3c7fa6e0",
      MessageBus: "0xCf7Ed3AccA5a467e9e704C703E8D87F634fB0Fc9",
    });
  });

  it("derives startBlock from the contracts when absent", () => {
    const { startBlock: _ignored, ...rest } = valid;
    expect(parseDeployment(rest).startBlock).toBe(1);
  });

  it.each([
    ["not an object", 42, /not a JSON object/],
    ["no chainId", { contracts: {} }, /chainId/],
    ["negative chainId", { ...valid, chainId: -1 }, /chainId/],
    ["contracts missing", { chainId: 1 }, /contracts must be/],
    ["bad address", { ...valid, contracts: { TaskBoard: { address: "0x1234", startBlock: 1 } } }, /TaskBoard\.address/],
    ["bad start block", { ...valid, contracts: { TaskBoard: { address: B, startBlock: "1" } } }, /TaskBoard\.startBlock/],
  ])("rejects %s with DeploymentError deployment_invalid", (_label, json, message) => {
    let error: unknown;
    try {
      parseDeployment(json, "test.json");
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(DeploymentError);
    expect(error).toMatchObject({ code: "deployment_invalid", message: expect.stringMatching(message) });
  });

  it("reads a file; a missing file or bad JSON is a typed error", async () => {
    const file = path.join(dir, "31337.json");
    writeFileSync(file, JSON.stringify(valid));
    expect((await readDeployment(file)).contracts.MessageBus?.startBlock).toBe(4);
    await expect(readDeployment(path.join(dir, "nope.json"))).rejects.toMatchObject({ code: "deployment_not_found" });
    const broken = path.join(dir, "broken.json");
    writeFileSync(broken, "{");
    await expect(readDeployment(broken)).rejects.toMatchObject({ code: "deployment_invalid" });
  });

  it("coordinationAddresses names the contracts a deployment lacks", () => {
    const deployment = parseDeployment({ ...valid, contracts: { SwarmRegistry: valid.contracts.SwarmRegistry } });
    expect(() => coordinationAddresses(deployment)).toThrow(/has no TaskBoard, SharedState, MessageBus/);
  });
});
