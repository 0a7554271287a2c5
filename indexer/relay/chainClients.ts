/**
 * viem clients for the relay's on-chain loops (keeper, attestor): a public client on RELAY_RPC_URL and a wallet
 * client signing locally with a private key (the key never leaves the process). Tests pass their own clients.
 */
import { createPublicClient, createWalletClient, defineChain, http, type Account, type Chain, type Hex, type PublicClient, type Transport, type WalletClient } from "viem";
import { privateKeyToAccount } from "viem/accounts";

export type ChainClients = {
  publicClient: PublicClient;
  walletClient: WalletClient<Transport, Chain, Account>;
};

/** Clients for `rpcUrl` signing with `privateKey`; the chain id is read from the node once. */
export async function createChainClients(rpcUrl: string, privateKey: Hex): Promise<ChainClients> {
  const transport = http(rpcUrl, { timeout: 30_000 });
  const probe = createPublicClient({ transport });
  const id = await probe.getChainId();
  const chain = defineChain({
    id,
    name: `chain-${id}`,
    nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
    rpcUrls: { default: { http: [rpcUrl] } },
  });
  const publicClient = createPublicClient({ chain, transport, pollingInterval: 500 }) as PublicClient;
  const walletClient = createWalletClient({ chain, transport, account: privateKeyToAccount(privateKey) });
  return { publicClient, walletClient };
}

/**
 * Chain time: the timestamp the node gives its pending block (the next block's time), else the latest block's.
 * Never the wall clock of this process. On a chain that mines a block every few seconds both agree within a
 * block; on an automining dev node (no block while idle) only the pending block moves with time.
 */
export async function chainTime(publicClient: PublicClient): Promise<number> {
  return (await chainClock(publicClient)).time;
}

/**
 * Chain time and the block tag it was read at: calls and simulations that must see the same time use that tag
 * (a node that does not serve the pending block gets "latest" everywhere).
 */
export async function chainClock(publicClient: PublicClient): Promise<{ time: number; blockTag: "pending" | "latest"; baseFeePerGas: bigint | null }> {
  try {
    const pending = await publicClient.getBlock({ blockTag: "pending" });
    return { time: Number(pending.timestamp), blockTag: "pending", baseFeePerGas: pending.baseFeePerGas ?? null };
  } catch {
    const latest = await publicClient.getBlock({ blockTag: "latest" });
    return { time: Number(latest.timestamp), blockTag: "latest", baseFeePerGas: latest.baseFeePerGas ?? null };
  }
}

/** The custom error name of a viem contract error (simulate / estimate / call), if it carries one. */
export function revertName(error: unknown): string | undefined {
  let e: unknown = error;
  for (let depth = 0; e && depth < 10; depth++) {
    const data = (e as { data?: { errorName?: string } }).data;
    if (data && typeof data === "object" && typeof data.errorName === "string") return data.errorName;
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

/** A short one-line message of a viem error. */
export function shortError(error: unknown): string {
  const e = error as { shortMessage?: string; message?: string };
  return (e.shortMessage ?? e.message ?? String(error)).split("\n")[0]!;
}
