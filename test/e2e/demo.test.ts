/**
 * `npm run demo` end to end: the demo's main function against a whole local stack (Hardhat node, Ignition
 * deployment, Ponder indexer) started by the e2e harness on free ports. Runs the demo twice against the same
 * stack (a new swarm each run) and requires the indexer to agree with the chain both times.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseDeployment } from "../../sdk/index.ts";
import { runDemo, type DemoReport } from "../../scripts/lib/demo/runDemo.ts";
import { startStack, type TestStack } from "./harness.ts";

describe("npm run demo (e2e)", () => {
  let stack: TestStack;
  const lines: string[] = [];
  let first: DemoReport;

  beforeAll(async () => {
    stack = await startStack();
  }, 240_000);

  afterAll(async () => {
    await stack?.stop();
  });

  it("runs every phase and reports the indexer consistent with the chain", async () => {
    first = await runDemo({ rpcUrl: stack.rpcUrl, apiUrl: stack.apiUrl, deployment: parseDeployment(stack.deployment), log: (line) => lines.push(line) });
    const output = lines.join("\n");
    if (!first.consistent) console.error(output);
    expect(first.comparison.diffs).toEqual([]);
    expect(first.consistent).toBe(true);

    expect(first.members).toBe(7);
    expect(first.tasks).toMatchObject({ posted: 20, completed: 20, relayedClaims: 4 });
    expect(first.tasks.viaClaimNext).toBeGreaterThan(0);
    expect(first.reclaimed.newEpoch).toBe(2n);
    expect(first.stateConflict?.name).toBe("SharedStateVersionMismatch");
    expect(first.stateConflict?.args.slice(2)).toEqual([1n, 2n]);
    expect(first.messages).toBe(3);
    expect(first.indexedBlock).toBeGreaterThanOrEqual(Number(first.lastBlock));

    // The comparison looked at every entity, through both REST and GraphQL.
    const counts = Object.fromEntries(first.comparison.sections.map((s) => [s.section, [s.chain, s.rest, s.graphql]]));
    expect(counts).toEqual({ swarm: [1, 1, 1], members: [7, 7, 7], tasks: [20, 20, 20], state: [2, 2, 2], messages: [3, 3, 3] });

    // The summary names what happened.
    for (const expected of [
      /TaskBoardAlreadyClaimed\(taskId=\d+/,
      /TaskBoardStaleEpoch\(taskId=\d+, epoch=1, currentEpoch=2\)/,
      /SharedStateVersionMismatch\(swarmId=\d+, key=0x[0-9a-f]{64}, expected=1, current=2\)/,
      /SwarmRegistryNotAllowlisted/,
      /SwarmRegistryInviteExhausted/,
      /SwarmRegistryInsufficientTokenBalance/,
      /CONSISTENT/,
    ]) {
      expect(output).toMatch(expected);
    }
  });

  it("runs again against the same stack with a new swarm, still consistent", async () => {
    const second = await runDemo({ rpcUrl: stack.rpcUrl, apiUrl: stack.apiUrl, deployment: parseDeployment(stack.deployment), log: () => {} });
    expect(second.swarmId).toBe(first.swarmId + 1n);
    expect(second.comparison.diffs).toEqual([]);
    expect(second.consistent).toBe(true);
  });
});
