/** Starts `hardhat node` (a local chain, id 31337, 20 funded dev accounts) as a child process. */
import { HARDHAT_CLI, ROOT_DIR } from "./paths.ts";
import type { ManagedProcess, ProcessGroup } from "./processes.ts";
import { assertPortFree, waitForRpc } from "./waitFor.ts";

export type HardhatNodeOptions = {
  group: ProcessGroup;
  host: string;
  port: number;
  /** The Hardhat project (default: this repository). */
  cwd?: string;
  /** The node logs every RPC call: keep them in a file. */
  logFile?: string;
  echo?: boolean;
  timeoutMs?: number;
};

export type HardhatNode = { process: ManagedProcess; rpcUrl: string; chainId: number };

export async function startHardhatNode(options: HardhatNodeOptions): Promise<HardhatNode> {
  const { group, host, port, cwd = ROOT_DIR, logFile, echo = false, timeoutMs = 60_000 } = options;
  await assertPortFree(port, host, "the Hardhat node (chain JSON-RPC)");
  const proc = group.spawn({
    name: "chain",
    command: process.execPath,
    args: [HARDHAT_CLI, "node", "--hostname", host, "--port", String(port)],
    cwd,
    env: { ...process.env, FORCE_COLOR: "0" },
    logFile,
    echo,
    stopSignal: "SIGINT",
  });
  const rpcUrl = `http://${host}:${port}`;
  try {
    const chainId = await waitForRpc(rpcUrl, {
      timeoutMs,
      abortReason: () => (proc.running ? undefined : proc.describeExit()),
    });
    return { process: proc, rpcUrl, chainId };
  } catch (error) {
    const tail = proc.running ? `\n--- last node output ---\n${proc.tail()}` : "";
    throw new Error(`The Hardhat node did not come up at ${rpcUrl}: ${(error as Error).message}${tail}`);
  }
}
