import { describe, it, expect, beforeAll } from "vitest";
import { network } from "hardhat";
import fc from "fast-check";
import { keccak256, parseEventLogs, stringToHex, toHex, zeroAddress, type Hex } from "viem";
import { expectRevert } from "../helpers/errors.ts";

const OPEN = { policy: 0, gateKind: 0, gateToken: zeroAddress, gateMinBalance: 0n, metadataURI: "" } as const;
const MAX_TTL = 30 * 24 * 3600;
const S1 = 1n;
const S2 = 2n;
const name = (s: string): Hex => stringToHex(s, { size: 32 });
const LEADER = name("leader");

/** Lower-cases addresses (deeply) so event args compare with wallet addresses. */
function lc<T>(value: T): T {
  if (typeof value === "string" && /^0x[0-9a-fA-F]{40}$/.test(value)) return value.toLowerCase() as T;
  if (Array.isArray(value)) return value.map(lc) as T;
  if (value !== null && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, lc(v)])) as T;
  return value;
}

/**
 * Fresh chain: swarm 1 (owner + alice, bob, carol), swarm 2 (owned by carol only), `outsider` in no swarm.
 */
async function deploy() {
  const { viem, networkHelpers } = await network.create();
  const [owner, alice, bob, carol, outsider] = await viem.getWalletClients();
  const publicClient = await viem.getPublicClient();
  const registry = await viem.deployContract("SwarmRegistry");
  await registry.write.createSwarm([OPEN, []], { account: owner!.account });
  for (const w of [alice, bob, carol]) await registry.write.join([S1, ""], { account: w!.account });
  await registry.write.createSwarm([OPEN, []], { account: carol!.account });
  const locks = await viem.deployContract("LockManager", [registry.address]);
  /** Sends a write and returns its receipt and decoded LockManager events. */
  const send = async (tx: Promise<Hex>) => {
    const receipt = await publicClient.waitForTransactionReceipt({ hash: await tx });
    expect(receipt.status).toBe("success");
    return { receipt, events: parseEventLogs({ abi: locks.abi, logs: receipt.logs }) };
  };
  const now = async () => Number((await publicClient.getBlock()).timestamp);
  return { viem, networkHelpers, publicClient, registry, locks, send, now, owner: owner!, alice: alice!, bob: bob!, carol: carol!, outsider: outsider! };
}

type Env = Awaited<ReturnType<typeof deploy>>;

describe("LockManager: deployment and views", () => {
  it("rejects a zero registry and exposes registry and ttl bounds", async () => {
    const env = await deploy();
    await expect(env.viem.deployContract("LockManager", [zeroAddress])).rejects.toThrow(/LockManagerZeroAddress/);
    expect((await env.locks.read.registry()).toLowerCase()).toBe(env.registry.address.toLowerCase());
    expect(await env.locks.read.MIN_TTL()).toBe(1);
    expect(await env.locks.read.MAX_TTL()).toBe(MAX_TTL);
    expect(await env.locks.read.getLock([S1, LEADER])).toEqual([zeroAddress, 0n, 0]);
    expect(await env.locks.read.isCurrent([S1, LEADER, 0n])).toBe(false);
    expect(await env.locks.read.isCurrent([S1, LEADER, 1n])).toBe(false);
  });
});

describe("LockManager: acquire", () => {
  let env: Env;
  beforeAll(async () => {
    env = await deploy();
  });

  it("issues token 1 to the first holder, with an event and views", async () => {
    const { locks, alice, send, now } = env;
    const { result } = await locks.simulate.acquire([S1, LEADER, 60], { account: alice.account.address });
    expect(result).toBe(1n);
    const { events } = await send(locks.write.acquire([S1, LEADER, 60], { account: alice.account }));
    const t = await now();
    expect(events).toHaveLength(1);
    expect(events[0]!.eventName).toBe("LockAcquired");
    expect(lc(events[0]!.args)).toEqual(lc({
      swarmId: S1, lockName: LEADER, holder: alice.account.address, token: 1n, expiresAt: t + 60,
      previousHolder: zeroAddress, previousToken: 0n,
    }));
    const [holder, token, expiresAt] = await locks.read.getLock([S1, LEADER]);
    expect(holder.toLowerCase()).toBe(alice.account.address.toLowerCase());
    expect([token, expiresAt]).toEqual([1n, t + 60]);
    expect(await locks.read.isCurrent([S1, LEADER, 1n])).toBe(true);
    expect(await locks.read.isCurrent([S1, LEADER, 2n])).toBe(false);
  });

  it("reverts LockManagerLockHeld for anyone, the holder included, while the lease is live", async () => {
    const { locks, alice, bob } = env;
    const [, , expiresAt] = await locks.read.getLock([S1, LEADER]);
    await expectRevert(locks.write.acquire([S1, LEADER, 60], { account: bob.account }), "LockManagerLockHeld", [S1, LEADER, alice.account.address, expiresAt]);
    await expectRevert(locks.write.acquire([S1, LEADER, 60], { account: alice.account }), "LockManagerLockHeld", [S1, LEADER, alice.account.address, expiresAt]);
  });

  it("lets another member take an expired lock, naming the expired lease, with the next token", async () => {
    const { locks, alice, bob, send, now, networkHelpers } = env;
    await networkHelpers.time.increase(61);
    expect(await locks.read.isCurrent([S1, LEADER, 1n])).toBe(false);
    const { events } = await send(locks.write.acquire([S1, LEADER, 30], { account: bob.account }));
    expect(lc(events[0]!.args)).toEqual(lc({
      swarmId: S1, lockName: LEADER, holder: bob.account.address, token: 2n, expiresAt: (await now()) + 30,
      previousHolder: alice.account.address, previousToken: 1n,
    }));
    expect(await locks.read.isCurrent([S1, LEADER, 1n])).toBe(false);
    expect(await locks.read.isCurrent([S1, LEADER, 2n])).toBe(true);
  });

  it("continues the token sequence after a release (no previous lease named)", async () => {
    const { locks, bob, carol, send } = env;
    await send(locks.write.release([S1, LEADER, 2n], { account: bob.account }));
    const { events } = await send(locks.write.acquire([S1, LEADER, 30], { account: carol.account }));
    expect(lc(events[0]!.args)).toMatchObject(lc({ holder: carol.account.address, token: 3n, previousHolder: zeroAddress, previousToken: 0n }));
  });

  it("the expired holder may re-acquire its own lock (new token, itself named as previous)", async () => {
    const { locks, carol, send, networkHelpers } = env;
    await networkHelpers.time.increase(31);
    const { events } = await send(locks.write.acquire([S1, LEADER, 30], { account: carol.account }));
    expect(lc(events[0]!.args)).toMatchObject(lc({ holder: carol.account.address, token: 4n, previousHolder: carol.account.address, previousToken: 3n }));
  });

  it("only members of the lock's swarm may acquire", async () => {
    const { locks, alice, outsider } = env;
    const l = name("other");
    await expectRevert(locks.write.acquire([S1, l, 60], { account: outsider.account }), "LockManagerNotMember", [S1, outsider.account.address]);
    await expectRevert(locks.write.acquire([S2, l, 60], { account: alice.account }), "LockManagerNotMember", [S2, alice.account.address]);
    await expectRevert(locks.write.acquire([99n, l, 60], { account: alice.account }), "LockManagerNotMember", [99n, alice.account.address]);
    await expectRevert(locks.write.acquire([0n, l, 60], { account: alice.account }), "LockManagerNotMember", [0n, alice.account.address]);
    expect(await locks.read.getLock([S1, l])).toEqual([zeroAddress, 0n, 0]);
  });

  it("keeps locks of the same name in different swarms apart", async () => {
    const { locks, carol, send } = env;
    const { events } = await send(locks.write.acquire([S2, LEADER, 60], { account: carol.account }));
    expect(lc(events[0]!.args)).toMatchObject(lc({ swarmId: S2, token: 1n, previousHolder: zeroAddress }));
    expect((await locks.read.getLock([S1, LEADER]))[1]).toBe(4n);
    expect(await locks.read.isCurrent([S2, LEADER, 1n])).toBe(true);
    expect(await locks.read.isCurrent([S1, LEADER, 1n])).toBe(false);
  });

  it("bounds the ttl: 0 and MAX_TTL + 1 revert, 1 and MAX_TTL work", async () => {
    const { locks, alice, send, now } = env;
    await expectRevert(locks.write.acquire([S1, name("ttl"), 0], { account: alice.account }), "LockManagerInvalidTtl", [0n, 1n, BigInt(MAX_TTL)]);
    await expectRevert(locks.write.acquire([S1, name("ttl"), MAX_TTL + 1], { account: alice.account }), "LockManagerInvalidTtl", [BigInt(MAX_TTL + 1), 1n, BigInt(MAX_TTL)]);
    const { events } = await send(locks.write.acquire([S1, name("ttl"), MAX_TTL], { account: alice.account }));
    expect(lc(events[0]!.args)).toMatchObject(lc({ token: 1n, expiresAt: (await now()) + MAX_TTL }));
    const { events: e2 } = await send(locks.write.acquire([S1, name("ttl1"), 1], { account: alice.account }));
    expect(lc(e2[0]!.args)).toMatchObject(lc({ token: 1n, expiresAt: (await now()) + 1 }));
  });
});

describe("LockManager: lease boundary", () => {
  it("a lease of ttl seconds is live up to expiresAt - 1 and free at expiresAt", async () => {
    const { locks, alice, bob, send, now, networkHelpers } = await deploy();
    await send(locks.write.acquire([S1, LEADER, 10], { account: alice.account }));
    const expiresAt = (await now()) + 10;
    await networkHelpers.time.setNextBlockTimestamp(expiresAt - 1);
    await networkHelpers.mine();
    expect(await locks.read.isCurrent([S1, LEADER, 1n])).toBe(true);
    await networkHelpers.time.setNextBlockTimestamp(expiresAt - 1 + 1);
    // bob's acquire lands exactly at expiresAt: the lease is over
    const { events } = await send(locks.write.acquire([S1, LEADER, 10], { account: bob.account }));
    expect(lc(events[0]!.args)).toMatchObject(lc({ token: 2n, previousHolder: alice.account.address, previousToken: 1n }));
  });

  it("a renew landing exactly at expiresAt reverts LockManagerLeaseExpired", async () => {
    const { locks, alice, send, now, networkHelpers } = await deploy();
    await send(locks.write.acquire([S1, LEADER, 10], { account: alice.account }));
    const expiresAt = (await now()) + 10;
    await networkHelpers.time.setNextBlockTimestamp(expiresAt);
    await expectRevert(locks.write.renew([S1, LEADER, 1n, 10], { account: alice.account }), "LockManagerLeaseExpired", [S1, LEADER, 1n, expiresAt]);
  });
});

describe("LockManager: renew", () => {
  let env: Env;
  beforeAll(async () => {
    env = await deploy();
    await env.send(env.locks.write.acquire([S1, LEADER, 60], { account: env.alice.account }));
  });

  it("extends (or shortens) the holder's lease, keeping the token", async () => {
    const { locks, alice, send, now } = env;
    const { result } = await locks.simulate.renew([S1, LEADER, 1n, 600], { account: alice.account.address });
    const { events } = await send(locks.write.renew([S1, LEADER, 1n, 600], { account: alice.account }));
    const t = await now();
    expect(result).toBeGreaterThanOrEqual(t + 599);
    expect(events).toHaveLength(1);
    expect(events[0]!.eventName).toBe("LockRenewed");
    expect(lc(events[0]!.args)).toEqual(lc({ swarmId: S1, lockName: LEADER, holder: alice.account.address, token: 1n, expiresAt: t + 600 }));
    expect((await locks.read.getLock([S1, LEADER]))[2]).toBe(t + 600);
    await send(locks.write.renew([S1, LEADER, 1n, 5], { account: alice.account }));
    expect((await locks.read.getLock([S1, LEADER]))[2]).toBe((await now()) + 5);
  });

  it("rejects a stale or unknown token, a non-holder and a bad ttl", async () => {
    const { locks, alice, bob } = env;
    await expectRevert(locks.write.renew([S1, LEADER, 2n, 60], { account: alice.account }), "LockManagerStaleToken", [S1, LEADER, 2n, 1n]);
    await expectRevert(locks.write.renew([S1, LEADER, 0n, 60], { account: alice.account }), "LockManagerStaleToken", [S1, LEADER, 0n, 1n]);
    await expectRevert(locks.write.renew([S1, LEADER, 1n, 60], { account: bob.account }), "LockManagerNotHolder", [S1, LEADER, bob.account.address, alice.account.address]);
    await expectRevert(locks.write.renew([S1, LEADER, 1n, 0], { account: alice.account }), "LockManagerInvalidTtl", [0n, 1n, BigInt(MAX_TTL)]);
    await expectRevert(locks.write.renew([S1, name("never"), 0n, 60], { account: alice.account }), "LockManagerStaleToken", [S1, name("never"), 0n, 0n]);
  });

  it("rejects renewing an expired lease, and a taken-over token", async () => {
    const { locks, alice, bob, send, networkHelpers } = env;
    await networkHelpers.time.increase(10);
    const [, , expiresAt] = await locks.read.getLock([S1, LEADER]);
    await expectRevert(locks.write.renew([S1, LEADER, 1n, 60], { account: alice.account }), "LockManagerLeaseExpired", [S1, LEADER, 1n, expiresAt]);
    await send(locks.write.acquire([S1, LEADER, 60], { account: bob.account }));
    await expectRevert(locks.write.renew([S1, LEADER, 1n, 60], { account: alice.account }), "LockManagerStaleToken", [S1, LEADER, 1n, 2n]);
  });

  it("rejects a holder who is no longer a member, and a renew after release", async () => {
    const { locks, registry, bob, send } = env;
    await registry.write.leave([S1], { account: bob.account });
    await expectRevert(locks.write.renew([S1, LEADER, 2n, 60], { account: bob.account }), "LockManagerNotMember", [S1, bob.account.address]);
    // a former member may still release its lock
    await send(locks.write.release([S1, LEADER, 2n], { account: bob.account }));
    await registry.write.join([S1, ""], { account: bob.account });
    await expectRevert(locks.write.renew([S1, LEADER, 2n, 60], { account: bob.account }), "LockManagerNotHolder", [S1, LEADER, bob.account.address, zeroAddress]);
  });
});

describe("LockManager: release", () => {
  let env: Env;
  beforeAll(async () => {
    env = await deploy();
    await env.send(env.locks.write.acquire([S1, LEADER, 60], { account: env.alice.account }));
  });

  it("rejects a non-holder and a stale token", async () => {
    const { locks, alice, bob } = env;
    await expectRevert(locks.write.release([S1, LEADER, 1n], { account: bob.account }), "LockManagerNotHolder", [S1, LEADER, bob.account.address, alice.account.address]);
    await expectRevert(locks.write.release([S1, LEADER, 7n], { account: alice.account }), "LockManagerStaleToken", [S1, LEADER, 7n, 1n]);
  });

  it("frees the lock, keeps the token, emits LockReleased; a second release reverts", async () => {
    const { locks, alice, send } = env;
    const { events } = await send(locks.write.release([S1, LEADER, 1n], { account: alice.account }));
    expect(events).toHaveLength(1);
    expect(events[0]!.eventName).toBe("LockReleased");
    expect(lc(events[0]!.args)).toEqual(lc({ swarmId: S1, lockName: LEADER, holder: alice.account.address, token: 1n }));
    expect(await locks.read.getLock([S1, LEADER])).toEqual([zeroAddress, 1n, 0]);
    expect(await locks.read.isCurrent([S1, LEADER, 1n])).toBe(false);
    await expectRevert(locks.write.release([S1, LEADER, 1n], { account: alice.account }), "LockManagerNotHolder", [S1, LEADER, alice.account.address, zeroAddress]);
  });

  it("allows releasing an expired lease no one took, but not one that was taken over", async () => {
    const { locks, alice, bob, send, networkHelpers } = env;
    await send(locks.write.acquire([S1, LEADER, 5], { account: alice.account }));
    await networkHelpers.time.increase(10);
    const { events } = await send(locks.write.release([S1, LEADER, 2n], { account: alice.account }));
    expect(lc(events[0]!.args)).toMatchObject(lc({ holder: alice.account.address, token: 2n }));
    await send(locks.write.acquire([S1, LEADER, 5], { account: alice.account }));
    await networkHelpers.time.increase(10);
    await send(locks.write.acquire([S1, LEADER, 60], { account: bob.account }));
    await expectRevert(locks.write.release([S1, LEADER, 3n], { account: alice.account }), "LockManagerStaleToken", [S1, LEADER, 3n, 4n]);
    expect(await locks.read.isCurrent([S1, LEADER, 4n])).toBe(true);
  });
});

describe("LockManager: gas", () => {
  it("acquire stays within 55,000 gas (new lock, released lock, expired lock; short and hash-like names)", async () => {
    const { locks, alice, bob, send, networkHelpers } = await deploy();
    const measure = async (lockName: Hex) => {
      const first = (await send(locks.write.acquire([S1, lockName, 60], { account: alice.account }))).receipt.gasUsed;
      await send(locks.write.release([S1, lockName, 1n], { account: alice.account }));
      const reacquire = (await send(locks.write.acquire([S1, lockName, 60], { account: bob.account }))).receipt.gasUsed;
      await networkHelpers.time.increase(61);
      const takeover = (await send(locks.write.acquire([S1, lockName, 60], { account: alice.account }))).receipt.gasUsed;
      const renew = (await send(locks.write.renew([S1, lockName, 3n, 60], { account: alice.account }))).receipt.gasUsed;
      const release = (await send(locks.write.release([S1, lockName, 3n], { account: alice.account }))).receipt.gasUsed;
      return { first, reacquire, takeover, renew, release };
    };
    // an 8-byte name, and a 32-byte name with no zero bytes (worst case for calldata cost)
    for (const [label, lockName] of [["short", name("gas-lock")], ["hash", keccak256(toHex("gas-lock"))]] as const) {
      const g = await measure(lockName);
      console.log(`LockManager gas (${label} name): acquire new=${g.first} acquire released=${g.reacquire} acquire expired=${g.takeover} renew=${g.renew} release=${g.release}`);
      expect(g.first).toBeLessThanOrEqual(55_000n);
      expect(g.reacquire).toBeLessThanOrEqual(55_000n);
      expect(g.takeover).toBeLessThanOrEqual(55_000n);
    }
  });
});

// ---------------------------------------------------------------------------------------------------------------
// Property: random acquire / renew / release / time travel by several members vs a TypeScript model
// ---------------------------------------------------------------------------------------------------------------

type Op =
  | { kind: "acquire"; who: number; lock: number; ttl: number }
  | { kind: "renew"; who: number; lock: number; tokenDelta: number; ttl: number }
  | { kind: "release"; who: number; lock: number; tokenDelta: number }
  | { kind: "wait"; secs: number };

interface ModelLock {
  holder: number | null; // index into actors
  token: number;
  expiresAt: number;
  issued: number[]; // every token issued, in order
}

const ACTORS = 4; // alice, bob, carol (members), outsider
const LOCK_NAMES = [name("p-a"), name("p-b")];

/** -1 = whoever the model says holds the lock (so renew/release often come from the holder). */
const whoArb = fc.oneof(fc.constant(-1), fc.nat(ACTORS - 1));
/** Mostly the current token; sometimes the previous or a never-issued one. */
const deltaArb = fc.constantFrom(0, 0, 0, -1, 1);

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { arbitrary: fc.record({ kind: fc.constant("acquire" as const), who: fc.nat(ACTORS - 1), lock: fc.nat(1), ttl: fc.integer({ min: 0, max: 8 }) }), weight: 4 },
  { arbitrary: fc.record({ kind: fc.constant("renew" as const), who: whoArb, lock: fc.nat(1), tokenDelta: deltaArb, ttl: fc.integer({ min: 1, max: 8 }) }), weight: 2 },
  { arbitrary: fc.record({ kind: fc.constant("release" as const), who: whoArb, lock: fc.nat(1), tokenDelta: deltaArb }), weight: 2 },
  { arbitrary: fc.record({ kind: fc.constant("wait" as const), secs: fc.integer({ min: 1, max: 10 }) }), weight: 2 },
);

describe("LockManager: property (model-based, with time travel)", () => {
  it("never two holders at once; tokens strictly increase and are never reused; errors match the model", async () => {
    const env = await deploy();
    const actors = [env.alice, env.bob, env.carol, env.outsider];
    const member = (i: number) => i < 3;
    let runs = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(opArb, { minLength: 4, maxLength: 20, size: "max" }), async (ops) => {
        runs++;
        // a fresh LockManager per run, on the same chain and registry
        const locks = await env.viem.deployContract("LockManager", [env.registry.address]);
        let now = await env.now();
        const model: ModelLock[] = LOCK_NAMES.map(() => ({ holder: null, token: 0, expiresAt: 0, issued: [] }));
        const live = (m: ModelLock, t: number) => m.holder !== null && t < m.expiresAt;

        for (const op of ops) {
          if (op.kind === "wait") {
            now += op.secs;
            await env.networkHelpers.time.setNextBlockTimestamp(now);
            await env.networkHelpers.mine();
          } else {
            const t = now + 1; // the block the transaction lands in
            await env.networkHelpers.time.setNextBlockTimestamp(t);
            const m = model[op.lock]!;
            const lockName = LOCK_NAMES[op.lock]!;
            const who = op.kind !== "acquire" && op.who === -1 ? (m.holder ?? 0) : op.who;
            const account = actors[who]!.account;
            let expected: string | null = null;
            if (op.kind === "acquire") {
              if (op.ttl < 1) expected = "LockManagerInvalidTtl";
              else if (!member(who)) expected = "LockManagerNotMember";
              else if (live(m, t)) expected = "LockManagerLockHeld";
              const tx = locks.write.acquire([S1, lockName, op.ttl], { account });
              if (expected !== null) await expectRevert(tx, expected);
              else {
                const receipt = await env.publicClient.waitForTransactionReceipt({ hash: await tx });
                const [ev] = parseEventLogs({ abi: locks.abi, logs: receipt.logs, eventName: "LockAcquired" });
                const expiredHolder = m.holder !== null ? actors[m.holder]!.account.address : zeroAddress;
                expect(lc(ev!.args)).toMatchObject(lc({ token: BigInt(m.token + 1), expiresAt: t + op.ttl, previousToken: m.holder !== null ? BigInt(m.token) : 0n }));
                expect(ev!.args.previousHolder.toLowerCase()).toBe(expiredHolder.toLowerCase());
                m.token += 1;
                m.holder = who;
                m.expiresAt = t + op.ttl;
                m.issued.push(m.token);
                now = t;
              }
            } else {
              const token = BigInt(Math.max(0, m.token + op.tokenDelta));
              if (token !== BigInt(m.token) || token === 0n) expected = "LockManagerStaleToken";
              else if (m.holder !== who) expected = "LockManagerNotHolder";
              else if (op.kind === "renew" && t >= m.expiresAt) expected = "LockManagerLeaseExpired";
              else if (op.kind === "renew" && !member(who)) expected = "LockManagerNotMember";
              const tx = op.kind === "renew"
                ? locks.write.renew([S1, lockName, token, op.ttl], { account })
                : locks.write.release([S1, lockName, token], { account });
              if (expected !== null) await expectRevert(tx, expected);
              else {
                await env.publicClient.waitForTransactionReceipt({ hash: await tx });
                if (op.kind === "renew") m.expiresAt = t + op.ttl;
                else {
                  m.holder = null;
                  m.expiresAt = 0;
                }
                now = t;
              }
            }
          }
          // state check after every step, at the latest block's time `now`
          for (const [i, m] of model.entries()) {
            const [holder, token, expiresAt] = await locks.read.getLock([S1, LOCK_NAMES[i]!]);
            expect(token).toBe(BigInt(m.token));
            expect(expiresAt).toBe(m.expiresAt);
            expect(holder.toLowerCase()).toBe(m.holder === null ? zeroAddress : actors[m.holder]!.account.address.toLowerCase());
            // at most one issued token is current, and it is the model's live one
            let current = 0;
            for (const issued of m.issued) {
              const isCur = await locks.read.isCurrent([S1, LOCK_NAMES[i]!, BigInt(issued)]);
              expect(isCur).toBe(issued === m.token && live(m, now));
              if (isCur) current++;
            }
            expect(current).toBeLessThanOrEqual(1);
            // tokens strictly increase by one per acquisition, starting at 1
            expect(m.issued).toEqual(m.issued.map((_, k) => k + 1));
          }
        }
      }),
      { numRuns: 30 },
    );
    expect(runs).toBe(30);
  });
});
