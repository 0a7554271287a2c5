/**
 * Gas helpers for benchmarks: gas used from receipts, intrinsic (calldata) gas, and a per-category profile of a
 * mined transaction from `debug_traceTransaction` (struct logs), to explain where a figure comes from.
 *
 *   const { gasUsed, hash } = await mined(publicClient, contract.write.f([...]));
 *   const profile = await profileTx(publicClient, hash, { [registry.address]: "SwarmRegistry" });
 */
import type { Address, Hex, PublicClient } from "viem";

/** Waits for `tx`, requires success, returns its receipt's gasUsed and hash. */
export async function mined(publicClient: PublicClient, tx: Promise<Hex>): Promise<{ gasUsed: number; hash: Hex }> {
  const hash = await tx;
  const receipt = await publicClient.waitForTransactionReceipt({ hash });
  if (receipt.status !== "success") throw new Error(`transaction ${hash} reverted`);
  return { gasUsed: Number(receipt.gasUsed), hash };
}

/** Intrinsic gas of a call (no access list, no creation): 21,000 + 16 per non-zero and 4 per zero calldata byte. */
export function intrinsicGas(input: Hex): number {
  let gas = 21_000;
  for (let i = 2; i < input.length; i += 2) gas += input.slice(i, i + 2) === "00" ? 4 : 16;
  return gas;
}

interface StructLog {
  op: string;
  gas: number;
  gasCost: number;
  depth: number;
  stack?: string[];
}

/** Where a transaction's gas went. Every figure is gas; `total` equals the receipt's gasUsed (before refunds). */
export type GasProfile = {
  gasUsed: number;
  /** 21,000 + calldata. */
  intrinsic: number;
  /** Gas of each opcode class executed by the called contract itself (depth 1), calls excluded. */
  self: Record<string, number>;
  /** Total gas of each outgoing call (call opcode + everything the callee ran), by label or address. */
  calls: Record<string, { count: number; gas: number }>;
  /** SSTORE refund granted at the end (already deducted from gasUsed). */
  refund: number;
  /** Depth-1 gas and count per opcode (calls excluded), to look inside "other". */
  ops: Record<string, { count: number; gas: number }>;
};

const CALLS = new Set(["CALL", "STATICCALL", "DELEGATECALL", "CALLCODE"]);

function opClass(op: string): string {
  if (op === "SSTORE" || op === "SLOAD" || op === "KECCAK256" || op === "TLOAD" || op === "TSTORE") return op;
  if (op.startsWith("LOG")) return "LOG";
  if (op === "CALLDATACOPY" || op === "CALLDATALOAD" || op.startsWith("MSTORE") || op === "MLOAD" || op === "MCOPY") return "memory/calldata";
  return "other";
}

const PRECOMPILES: Record<string, string> = { "0x1": "ecrecover (precompile 0x01)", "0x2": "sha256 (precompile 0x02)", "0x4": "identity (precompile 0x04)" };

/**
 * Profiles a mined call transaction with `debug_traceTransaction` (default struct logger). `labels` names call
 * targets (addresses compared case-insensitively).
 */
export async function profileTx(publicClient: PublicClient, hash: Hex, labels: Record<Address, string> = {}): Promise<GasProfile> {
  const tx = await publicClient.getTransaction({ hash });
  const receipt = await publicClient.getTransactionReceipt({ hash });
  const trace = (await publicClient.request({
    method: "debug_traceTransaction" as never,
    params: [hash, { disableStorage: true, disableMemory: true }] as never,
  })) as { gas: number; structLogs: StructLog[] };
  const logs = trace.structLogs;
  const named = new Map(Object.entries(labels).map(([a, l]) => [a.toLowerCase(), l]));
  const self: Record<string, number> = {};
  const calls: Record<string, { count: number; gas: number }> = {};
  const ops: Record<string, { count: number; gas: number }> = {};
  for (let i = 0; i < logs.length; i++) {
    const step = logs[i]!;
    if (step.depth !== 1) continue;
    // the step's real cost is the gas drop to the next step at the same depth (covers calls and their callees)
    let j = i + 1;
    while (j < logs.length && logs[j]!.depth > 1) j++;
    const next = logs[j];
    const cost = next !== undefined && next.depth === 1 ? step.gas - next.gas : step.gasCost;
    if (CALLS.has(step.op)) {
      const stack = step.stack ?? [];
      const raw = stack[stack.length - 2] ?? "0x0";
      const target = `0x${BigInt(raw.startsWith("0x") ? raw : `0x${raw}`).toString(16)}`;
      const padded = `0x${BigInt(target).toString(16).padStart(40, "0")}`;
      const label = PRECOMPILES[target] ?? named.get(padded) ?? padded;
      const entry = (calls[label] ??= { count: 0, gas: 0 });
      entry.count++;
      entry.gas += cost;
    } else {
      const k = opClass(step.op);
      self[k] = (self[k] ?? 0) + cost;
      const o = (ops[step.op] ??= { count: 0, gas: 0 });
      o.count++;
      o.gas += cost;
    }
  }
  const intrinsic = intrinsicGas(tx.input);
  const gasUsed = Number(receipt.gasUsed);
  const executed = Object.values(self).reduce((a, b) => a + b, 0) + Object.values(calls).reduce((a, c) => a + c.gas, 0);
  return { gasUsed, intrinsic, self, calls, refund: Math.max(0, intrinsic + executed - gasUsed), ops };
}

/** One line per category, largest first, for a report: "SSTORE 22100, registry.isMember x100 260000, ...". */
export function describeProfile(p: GasProfile, per = 1): string {
  const parts: Array<[string, number]> = [["intrinsic (21000 + calldata)", p.intrinsic]];
  for (const [k, v] of Object.entries(p.self)) parts.push([k, v]);
  for (const [k, v] of Object.entries(p.calls)) parts.push([`${k} x${v.count}`, v.gas]);
  if (p.refund > 0) parts.push(["refund", -p.refund]);
  parts.sort((a, b) => Math.abs(b[1]) - Math.abs(a[1]));
  return parts.map(([k, v]) => `${k} ${Math.round(v / per)}`).join("; ");
}
