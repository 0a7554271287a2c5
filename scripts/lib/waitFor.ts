/**
 * Small waiting and port helpers for the local stack (node built-ins only: `net`, `fetch`).
 */
import net from "node:net";

export type WaitOptions = {
  /** What is being waited for, used in the timeout error. */
  label: string;
  timeoutMs?: number;
  intervalMs?: number;
  /** Checked on every attempt; a non-undefined value aborts the wait with that message (e.g. "process exited"). */
  abortReason?: () => string | undefined;
};

/** Polls `probe` until it returns a value other than `undefined`/`false`, or fails after `timeoutMs`. */
export async function waitFor<T>(probe: () => Promise<T | undefined | false>, options: WaitOptions): Promise<T> {
  const { label, timeoutMs = 60_000, intervalMs = 200, abortReason } = options;
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    const reason = abortReason?.();
    if (reason !== undefined) throw new Error(`Gave up waiting for ${label}: ${reason}`);
    try {
      const value = await probe();
      if (value !== undefined && value !== false) return value;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() >= deadline) {
      const detail = lastError instanceof Error ? ` (last error: ${lastError.message})` : "";
      throw new Error(`Timed out after ${timeoutMs} ms waiting for ${label}${detail}`);
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/** Sends one JSON-RPC request with `fetch` and returns its result (throws on an RPC error). */
export async function rpcRequest<T = unknown>(url: string, method: string, params: unknown[] = []): Promise<T> {
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }),
    signal: AbortSignal.timeout(5_000),
  });
  if (!response.ok) throw new Error(`${method} -> HTTP ${response.status}`);
  const body = (await response.json()) as { result?: T; error?: { message: string } };
  if (body.error) throw new Error(`${method} -> ${body.error.message}`);
  return body.result as T;
}

/** Waits until the JSON-RPC endpoint answers `eth_chainId`; returns the chain id. */
export async function waitForRpc(url: string, options: Partial<WaitOptions> = {}): Promise<number> {
  return waitFor(async () => Number(await rpcRequest<string>(url, "eth_chainId")), {
    label: `JSON-RPC at ${url}`,
    ...options,
  });
}

/** Waits until `url` answers with HTTP 2xx (e.g. Ponder's /ready, which is 503 while it backfills). */
export async function waitForHttpOk(url: string, options: Partial<WaitOptions> = {}): Promise<void> {
  await waitFor(
    async () => {
      const response = await fetch(url, { signal: AbortSignal.timeout(5_000) });
      await response.body?.cancel();
      return response.ok;
    },
    { label: `${url} to answer 2xx`, ...options },
  );
}

/** Whether something can listen on host:port right now. */
export async function isPortFree(port: number, host = "127.0.0.1"): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once("error", () => resolve(false));
    server.listen({ port, host, exclusive: true }, () => server.close(() => resolve(true)));
  });
}

/**
 * Throws a clear error when host:port is taken. Checks both a listen and a connect: a server bound to
 * another address (0.0.0.0, ::) may still let our listen succeed but would answer our clients.
 */
export async function assertPortFree(port: number, host: string, what: string): Promise<void> {
  const answering = await new Promise<boolean>((resolve) => {
    const socket = net.connect({ port, host });
    socket.setTimeout(1_000);
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("timeout", () => {
      socket.destroy();
      resolve(false);
    });
    socket.once("error", () => resolve(false));
  });
  if (answering || !(await isPortFree(port, host))) {
    throw new Error(
      `Port ${port} on ${host} is already in use, so ${what} cannot start there. ` +
        `Stop whatever listens on it (e.g. \`ss -ltnp 'sport = :${port}'\` or \`lsof -i :${port}\` shows it), ` +
        `or pick another port.`,
    );
  }
}

/** A port that was free a moment ago (the OS picks it). Good enough for tests; there is a small race. */
export async function getFreePort(host = "127.0.0.1"): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen({ port: 0, host }, () => {
      const address = server.address();
      const port = typeof address === "object" && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}
