/**
 * Custom-error assertions for viem contract calls.
 *
 * Usage:
 *   import { expectRevert } from "../helpers/errors.ts";
 *   await expectRevert(registry.write.leave([id], { account: owner.account }), "SwarmRegistryOwnerCannotLeave", [id]);
 *   await expectRevert(promise, "SwarmRegistryNotAdmin");            // name only, args not checked
 *   const err = await expectRevert(promise, "X");                    // returns the decoded error for more checks
 *
 * The promise must reject with a viem error whose cause chain contains a ContractFunctionRevertedError decoded
 * against the contract's ABI (true for `contract.write.*`, `contract.read.*` and `contract.simulate.*` of
 * contracts from `viem.deployContract` / `viem.getContractAt`). Args are compared deeply: bigints by value,
 * addresses (0x + 40 hex digits) case-insensitively, arrays element-wise, structs (objects) key by key.
 * Pass `args` with the exact arity: numbers must be bigints where the ABI type is uint/int > 48 bits.
 */
import { BaseError, ContractFunctionRevertedError } from "viem";
import { expect } from "vitest";

/** What a decoded custom error looks like (`errorName` is "Error"/"Panic" for require strings / panics). */
export interface DecodedRevert {
  errorName: string;
  args: readonly unknown[];
  /** The raw revert data (selector + ABI-encoded args). */
  raw: `0x${string}` | undefined;
}

/** Finds the decoded revert inside a thrown viem error, or returns undefined if there is none. */
export function decodeRevert(error: unknown): DecodedRevert | undefined {
  if (!(error instanceof BaseError)) return undefined;
  const reverted = error.walk((e) => e instanceof ContractFunctionRevertedError);
  if (!(reverted instanceof ContractFunctionRevertedError)) return undefined;
  if (reverted.data === undefined) {
    return { errorName: reverted.reason === undefined ? "<undecoded>" : "Error", args: reverted.reason === undefined ? [] : [reverted.reason], raw: reverted.raw };
  }
  return { errorName: reverted.data.errorName, args: reverted.data.args ?? [], raw: reverted.raw };
}

/** Lower-cases addresses and recurses into arrays/objects so `toEqual` compares them meaningfully. */
function normalize(value: unknown): unknown {
  if (typeof value === "string" && /^0x[0-9a-fA-F]{40}$/.test(value)) return value.toLowerCase();
  if (Array.isArray(value)) return value.map(normalize);
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, normalize(v)]));
  }
  return value;
}

/**
 * Asserts that `promise` rejects with the custom error `errorName` and, if given, exactly `args`.
 * @returns the decoded revert, for further assertions
 */
export async function expectRevert(
  promise: Promise<unknown>,
  errorName: string,
  args?: readonly unknown[],
): Promise<DecodedRevert> {
  let caught: unknown;
  try {
    await promise;
  } catch (error) {
    caught = error;
  }
  if (caught === undefined) throw new Error(`expected a revert with ${errorName}, but the call succeeded`);
  const decoded = decodeRevert(caught);
  if (decoded === undefined) {
    const message = caught instanceof Error ? caught.message : String(caught);
    throw new Error(`expected a revert with ${errorName}, but got a non-revert error: ${message}`);
  }
  expect(decoded.errorName, `revert error name (raw data ${decoded.raw ?? "none"})`).toBe(errorName);
  if (args !== undefined) {
    expect(normalize(decoded.args), `${errorName} args`).toEqual(normalize(args));
  }
  return decoded;
}
