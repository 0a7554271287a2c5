/**
 * Decodes the custom error a Concord contract reverted with, from whatever viem (or a JSON-RPC node) threw:
 *
 *   try { await wallet.writeContract(...) } catch (err) {
 *     const decoded = decodeConcordError(err);
 *     if (isConcordError(decoded, "SharedStateVersionMismatch")) retryFrom(decoded.args[3]); // current version
 *   }
 *
 * Works on viem's ContractFunctionRevertedError (simulate / write / read with an ABI), on raw revert data
 * found anywhere in an error's cause chain (estimateGas / sendTransaction / call without an ABI, JSON-RPC
 * error `data`), and on a revert data hex string itself. Solidity `Error(string)` and `Panic(uint256)` decode
 * as `{ name: "Error" | "Panic" }`.
 */
import {
  BaseError,
  ContractFunctionRevertedError,
  decodeErrorResult,
  type Abi,
  type ContractErrorArgs,
  type ContractErrorName,
  type Hex,
} from "viem";
import { LeaderElectionAbi, LockManagerAbi, MessageBusAbi, ProposalsAbi, SharedStateAbi, StakingAbi, SwarmRegistryAbi, TaskBoardAbi } from "./abis.ts";

/** One `error` item of an ABI. */
type AbiError = Extract<Abi[number], { type: "error" }>;

type AllAbis = readonly [
  ...typeof SwarmRegistryAbi,
  ...typeof TaskBoardAbi,
  ...typeof SharedStateAbi,
  ...typeof MessageBusAbi,
  ...typeof StakingAbi,
  ...typeof LockManagerAbi,
  ...typeof LeaderElectionAbi,
  ...typeof ProposalsAbi,
];

/** The name of any custom error a coordination or consensus contract (or the OpenZeppelin code it uses) may revert with. */
export type ConcordErrorName = ContractErrorName<AllAbis>;

/** A decoded custom error: `name` and its arguments (typed per error). */
export type ConcordError = {
  [name in ConcordErrorName]: { name: name; args: ContractErrorArgs<AllAbis, name>; data?: Hex };
}[ConcordErrorName];

/** A revert with a string reason (`require(cond, "...")`) or a panic (overflow, division by zero, ...). */
export type SolidityBuiltinError = { name: "Error"; args: readonly [string]; data?: Hex } | { name: "Panic"; args: readonly [bigint]; data?: Hex };

/** What `decodeConcordError` returns for a revert it recognises. */
export type DecodedRevert = ConcordError | SolidityBuiltinError;

function uniqueErrors(): AbiError[] {
  const seen = new Map<string, AbiError>();
  for (const abi of [SwarmRegistryAbi, TaskBoardAbi, SharedStateAbi, MessageBusAbi, StakingAbi, LockManagerAbi, LeaderElectionAbi, ProposalsAbi] as readonly Abi[]) {
    for (const item of abi) {
      if (item.type !== "error") continue;
      const signature = `${item.name}(${item.inputs.map((input) => input.type).join(",")})`;
      if (!seen.has(signature)) seen.set(signature, item as AbiError);
    }
  }
  return [...seen.values()];
}

/** Every custom error of the coordination and consensus contracts, once each (an ABI to decode revert data with). */
export const concordErrorsAbi: readonly AbiError[] = uniqueErrors();

const REVERT_DATA = /^0x[0-9a-fA-F]{8}(?:[0-9a-fA-F]{2})*$/;

function decodeData(data: Hex): DecodedRevert | undefined {
  try {
    const { errorName, args } = decodeErrorResult({ abi: concordErrorsAbi, data });
    return { name: errorName, args: args ?? [], data } as DecodedRevert;
  } catch {
    return undefined;
  }
}

/** Revert data candidates in an error object (viem errors, JSON-RPC errors, nested `cause`s). */
function findRevertData(error: unknown, depth = 0): Hex | undefined {
  if (error === null || typeof error !== "object" || depth > 8) return undefined;
  const record = error as Record<string, unknown>;
  for (const candidate of [record.raw, record.data, (record.data as Record<string, unknown> | undefined)?.data]) {
    if (typeof candidate === "string" && REVERT_DATA.test(candidate)) return candidate as Hex;
  }
  return findRevertData(record.cause, depth + 1) ?? findRevertData(record.error, depth + 1);
}

/**
 * The Concord custom error (name and args) inside `error`, or undefined when `error` is not a revert the
 * Concord contracts' ABIs know (an RPC outage, an unknown selector, a plain JS error).
 */
export function decodeConcordError(error: unknown): DecodedRevert | undefined {
  if (typeof error === "string") return REVERT_DATA.test(error) ? decodeData(error as Hex) : undefined;
  if (error instanceof BaseError) {
    const reverted = error.walk((e) => e instanceof ContractFunctionRevertedError);
    if (reverted instanceof ContractFunctionRevertedError) {
      if (reverted.data !== undefined) {
        return { name: reverted.data.errorName, args: reverted.data.args ?? [], data: reverted.raw } as DecodedRevert;
      }
      if (reverted.raw !== undefined) {
        const decoded = decodeData(reverted.raw);
        if (decoded !== undefined) return decoded;
      }
      if (reverted.reason !== undefined) return { name: "Error", args: [reverted.reason] };
    }
  }
  const data = findRevertData(error);
  return data === undefined ? undefined : decodeData(data);
}

/** Narrows a decoded revert to the error `name` (so `args` has that error's types). */
export function isConcordError<name extends DecodedRevert["name"]>(
  decoded: DecodedRevert | undefined,
  name: name,
): decoded is Extract<DecodedRevert, { name: name }> {
  return decoded !== undefined && decoded.name === name;
}

function formatValue(value: unknown): string {
  if (typeof value === "bigint") return value.toString();
  if (Array.isArray(value)) return `[${value.map(formatValue).join(", ")}]`;
  if (typeof value === "string") return value;
  return JSON.stringify(value, (_key, v: unknown) => (typeof v === "bigint" ? v.toString() : v));
}

/** `SharedStateVersionMismatch(swarmId=1, key=0x…, expected=1, current=2)`: a decoded revert for humans. */
export function formatConcordError(decoded: DecodedRevert): string {
  const item = concordErrorsAbi.find((e) => e.name === decoded.name && e.inputs.length === decoded.args.length);
  const args = decoded.args.map((value, i) => {
    const label = item?.inputs[i]?.name;
    return label ? `${label}=${formatValue(value)}` : formatValue(value);
  });
  return `${decoded.name}(${args.join(", ")})`;
}
