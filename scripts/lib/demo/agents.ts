/**
 * The demo's agents: each has its own key and wallet client. The funded ones are the Hardhat node's default
 * accounts (public dev mnemonic); the gasless one gets a fresh key every run.
 *
 * `send` simulates a call, sends it, waits for the receipt and returns the decoded events; a call that the
 * chain rejects (in simulation, or once submitted because another agent got there first) comes back
 * as `{ ok: false, error }` with the contract's custom error decoded by the SDK.
 */
import {
  createWalletClient,
  parseEventLogs,
  type Abi,
  type Address,
  type Chain,
  type ContractFunctionArgs,
  type ContractFunctionName,
  type Hex,
  type LocalAccount,
  type PublicClient,
  type TransactionReceipt,
  type Transport,
  type WalletClient,
} from "viem";
import { decodeConcordError, type DecodedRevert } from "../../../sdk/index.ts";

/** The mnemonic `hardhat node` funds (10000 ETH on each of its first 20 accounts). Public: dev only. */
export const DEV_MNEMONIC = "test test test test test test test test test test test junk";

/** Generous fixed gas limit: estimates can go stale when agents race for the same state. */
const GAS_LIMIT = 1_500_000n;

export type Agent = {
  name: string;
  account: LocalAccount;
  wallet: WalletClient<Transport, Chain, LocalAccount>;
  address: Address;
};

export function makeAgent(name: string, account: LocalAccount, chain: Chain, transport: Transport): Agent {
  return { name, account, address: account.address, wallet: createWalletClient({ account, chain, transport }) };
}

export type DecodedEvent = { eventName: string; args: Record<string, unknown>; address: Address };

export type Sent = { ok: true; receipt: TransactionReceipt; events: DecodedEvent[]; hash: Hex };
export type Rejected = { ok: false; error: DecodedRevert | undefined; raw: unknown; submitted: boolean };
export type Outcome = Sent | Rejected;

export type Call<abi extends Abi, name extends ContractFunctionName<abi, "nonpayable" | "payable">> = {
  address: Address;
  abi: abi;
  functionName: name;
  args: ContractFunctionArgs<abi, "nonpayable" | "payable", name>;
  value?: bigint;
};

/** Every event the receipt carries that one of `abis` knows. */
export function eventsOf(receipt: TransactionReceipt, abis: readonly Abi[]): DecodedEvent[] {
  const events: DecodedEvent[] = [];
  for (const log of receipt.logs) {
    for (const abi of abis) {
      const [parsed] = parseEventLogs({ abi, logs: [log] }) as unknown as { eventName: string; args: Record<string, unknown> }[];
      if (parsed !== undefined) {
        events.push({ eventName: parsed.eventName, args: parsed.args, address: log.address });
        break;
      }
    }
  }
  return events;
}

export function makeSender(publicClient: PublicClient<Transport, Chain>, eventAbis: readonly Abi[]) {
  /** Simulates, sends and waits; never throws for a revert (see Outcome). */
  async function attempt<const abi extends Abi, name extends ContractFunctionName<abi, "nonpayable" | "payable">>(
    agent: Agent,
    call: Call<abi, name>,
  ): Promise<Outcome> {
    const params = { ...call, account: agent.account, chain: agent.wallet.chain } as unknown as Parameters<typeof publicClient.simulateContract>[0];
    try {
      await publicClient.simulateContract(params);
    } catch (error) {
      const decoded = decodeConcordError(error);
      if (decoded === undefined) throw error;
      return { ok: false, error: decoded, raw: error, submitted: false };
    }
    let hash: Hex;
    try {
      hash = await agent.wallet.writeContract({ ...(params as object), gas: GAS_LIMIT } as Parameters<typeof agent.wallet.writeContract>[0]);
    } catch (error) {
      // Another agent's transaction landed between our simulation and ours. A Hardhat node with automine
      // executes the transaction on submission and answers the revert right away.
      const decoded = decodeConcordError(error);
      if (decoded === undefined) throw error;
      return { ok: false, error: decoded, raw: error, submitted: true };
    }
    const receipt = await publicClient.waitForTransactionReceipt({ hash, pollingInterval: 50 });
    if (receipt.status === "reverted") {
      // Someone else's transaction landed first: replay the call on the new state to learn why.
      try {
        await publicClient.simulateContract(params);
        return { ok: false, error: undefined, raw: new Error(`transaction ${hash} reverted`), submitted: true };
      } catch (error) {
        return { ok: false, error: decodeConcordError(error), raw: error, submitted: true };
      }
    }
    return { ok: true, receipt, events: eventsOf(receipt, eventAbis), hash };
  }

  /** Like attempt, but a revert is an error (for steps that must succeed). */
  async function send<const abi extends Abi, name extends ContractFunctionName<abi, "nonpayable" | "payable">>(
    agent: Agent,
    call: Call<abi, name>,
  ): Promise<Sent> {
    const outcome = await attempt(agent, call);
    if (!outcome.ok) {
      const reason = outcome.error ? `${outcome.error.name}(${outcome.error.args.map(String).join(", ")})` : String(outcome.raw);
      throw new Error(`${agent.name}: ${call.functionName} reverted: ${reason}`, { cause: outcome.raw });
    }
    return outcome;
  }

  return { attempt, send };
}

/** The first event named `eventName` (throws if there is none: a step did not do what it should). */
export function eventOf(sent: Sent, eventName: string): Record<string, unknown> {
  const event = sent.events.find((e) => e.eventName === eventName);
  if (event === undefined) throw new Error(`expected a ${eventName} event in ${sent.hash}, got ${sent.events.map((e) => e.eventName).join(", ") || "none"}`);
  return event.args;
}
