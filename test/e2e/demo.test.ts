/**
 * `npm run demo` end to end: the demo's main function against a whole local stack (Hardhat node, Ignition
 * deployment, Ponder indexer) started by the e2e harness on free ports. Runs the demo twice against the same
 * stack (a new swarm each run) and requires the indexer to agree with the chain both times — coordination
 * (swarm, members, tasks, state, messages) and consensus (leader, locks, proposals).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getAddress, parseEther } from "viem";
import { mnemonicToAccount } from "viem/accounts";
import { parseDeployment } from "../../sdk/index.ts";
import { compareViews, type View } from "../../scripts/lib/demo/compare.ts";
import { runDemo, type DemoReport } from "../../scripts/lib/demo/runDemo.ts";
import { DEV_MNEMONIC, startStack, type TestStack } from "./harness.ts";

/** One demo run: the chain is a local Hardhat node, the indexer catches up block by block (slow on a busy machine). */
const RUN_TIMEOUT = 360_000;
const INDEXER_TIMEOUT = 300_000;
const dev = (index: number) => getAddress(mnemonicToAccount(DEV_MNEMONIC, { addressIndex: index }).address);

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
    first = await runDemo({
      rpcUrl: stack.rpcUrl,
      apiUrl: stack.apiUrl,
      deployment: parseDeployment(stack.deployment),
      indexerTimeoutMs: INDEXER_TIMEOUT,
      log: (line) => lines.push(line),
    });
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
    expect(counts).toEqual({
      swarm: [1, 1, 1],
      members: [7, 7, 7],
      tasks: [20, 20, 20],
      state: [2, 2, 2],
      messages: [3, 3, 3],
      leader: [1, 1, 1],
      locks: [1, 1, 1],
      proposals: [1, 1, 1],
    });

    // Consensus: bob (dev #2) elected for term 1 by 4 of 7 heads, carol (dev #3) for term 2 by 5 of 7 ETH of stake.
    const c = first.consensus;
    expect(c.election.first).toEqual({ leader: dev(2), term: 1n, votes: 4n, total: 7n });
    expect(c.election.second).toEqual({ leader: dev(3), term: 2n, votes: parseEther("5"), total: parseEther("7") });
    expect(c.rejected).toEqual(["wrong_term", "wrong_chain", "not_member", "duplicate", "equivocation", "flagged", "wrong_proposal"]);
    expect(c.staleHeartbeat?.name).toBe("LeaderElectionStaleTerm");
    expect(c.lock).toMatchObject({ staleToken: 1n, newToken: 2n, staleCurrent: false, newCurrent: true });
    expect(c.lock.staleRenew?.name).toBe("LockManagerStaleToken");
    expect(c.lock.staleRelease?.name).toBe("LockManagerStaleToken");
    expect(c.slash).toEqual({ member: dev(6), reporter: dev(4), amount: parseEther("0.5"), reward: parseEther("0.05") });
    expect(c.proposal).toMatchObject({ outcome: "passed", counted: 6, paid: parseEther("0.1") });

    // The comparison saw the consensus state the phase left behind.
    const chain = first.comparison.views.chain;
    expect(chain.get("leader.term")).toBe("2");
    expect(chain.get("leader.leader")).toBe(dev(3).toLowerCase());
    expect(chain.get(`proposal[${c.proposal.id}].state`)).toBe("executed");
    expect([...chain.entries()].filter(([k]) => k.endsWith("].token")).map(([, v]) => v)).toEqual(["2"]);

    // The summary names what happened.
    for (const expected of [
      /TaskBoardAlreadyClaimed\(taskId=\d+/,
      /TaskBoardStaleEpoch\(taskId=\d+, epoch=1, currentEpoch=2\)/,
      /SharedStateVersionMismatch\(swarmId=\d+, key=0x[0-9a-f]{64}, expected=1, current=2\)/,
      /SwarmRegistryNotAllowlisted/,
      /SwarmRegistryInviteExhausted/,
      /SwarmRegistryInsufficientTokenBalance/,
      /QUORUM REACHED/,
      /LeaderElectionStaleTerm\(swarmId=\d+, given=1, current=2\)/,
      /LockManagerLockHeld/,
      /LockManagerStaleToken\(swarmId=\d+, lockName=0x[0-9a-f]{64}, token=1, currentToken=2\)/,
      /MemberSlashed\(frank, 0\.5 ETH/,
      /ProposalExecuted\(target gus, 0\.1 ETH\)/,
      /CONSISTENT/,
    ]) {
      expect(output).toMatch(expected);
    }
  }, RUN_TIMEOUT);

  it("runs again against the same stack with a new swarm, still consistent", async () => {
    const second = await runDemo({ rpcUrl: stack.rpcUrl, apiUrl: stack.apiUrl, deployment: parseDeployment(stack.deployment), indexerTimeoutMs: INDEXER_TIMEOUT, log: () => {} });
    expect(second.swarmId).toBe(first.swarmId + 1n);
    expect(second.consensus.proposal.id).toBe(first.consensus.proposal.id + 1n);
    expect(second.comparison.diffs).toEqual([]);
    expect(second.consistent).toBe(true);
  }, RUN_TIMEOUT);
});

describe("demo comparison (no stack)", () => {
  const base = (): View =>
    new Map([
      ["swarm.owner", "0xaa"],
      ["member[0xaa].joinedVia", "open"],
      ["task[9].status", "completed"],
      ["task[10].status", "completed"],
      ["task[10].epoch", "2"],
      ["messages.lastMessageId", "1"],
    ]);

  it("is consistent when all three views agree", () => {
    const result = compareViews({ chain: base(), rest: base(), graphql: base() });
    expect(result.consistent).toBe(true);
    expect(result.sections.find((s) => s.section === "tasks")).toEqual({ section: "tasks", chain: 2, rest: 2, graphql: 2, diffs: 0 });
  });

  it("names every differing or missing field, in natural order", () => {
    const rest = base();
    rest.set("task[10].epoch", "1");
    rest.delete("member[0xaa].joinedVia");
    const graphql = base();
    graphql.set("task[9].status", "claimed");
    graphql.set("task[11].status", "open");
    const result = compareViews({ chain: base(), rest, graphql });
    expect(result.consistent).toBe(false);
    expect(result.diffs).toEqual([
      "member[0xaa].joinedVia: chain=open rest=(absent) graphql=open",
      "task[9].status: chain=completed rest=completed graphql=claimed",
      "task[10].epoch: chain=2 rest=1 graphql=2",
      "task[11].status: chain=(absent) rest=(absent) graphql=open",
    ]);
    expect(result.sections.find((s) => s.section === "tasks")).toEqual({ section: "tasks", chain: 2, rest: 2, graphql: 3, diffs: 3 });
    expect(result.sections.find((s) => s.section === "members")?.diffs).toBe(1);
  });
});
