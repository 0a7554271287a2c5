/**
 * A benchmark webhook receiver: a plain node:http server on 127.0.0.1 that answers 200 at once and records, per
 * request, only what the benchmark needs (arrival time on this process's performance.now() clock, webhook-id,
 * path, the event's blockNumber). Requests to the paths `keep` selects also keep their headers and raw body so the
 * benchmark can verify its Standard Webhooks signature afterwards (sdk/webhooks.ts verifyWebhook) without
 * spending the receiver's CPU on HMACs during the measurement.
 *
 * It runs in the benchmark's own process (the relay is another process; on this 2-core machine both share the
 * cores either way), so the benchmark keeps its other work light while deliveries are in flight.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";

export type Arrival = { at: number; id: string; path: string; blockNumber: number };
export type Sampled = { at: number; path: string; headers: Record<string, string>; body: string };

export type WebhookSink = {
  url: string;
  arrivals: Arrival[];
  samples: Sampled[];
  /** Called on each arrival (after recording). */
  onArrival?: (a: Arrival) => void;
  close: () => Promise<void>;
};

/** `keep(path)`: whether to keep a request's headers and body (for signature checks afterwards). */
export async function startWebhookSink(keep: (path: string) => boolean): Promise<WebhookSink> {
  const sink: WebhookSink = { url: "", arrivals: [], samples: [], close: async () => {} };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const at = performance.now();
      const body = Buffer.concat(chunks).toString("utf8");
      // The body starts with the feed event's fields; blockNumber is a decimal string.
      const m = /"blockNumber":"(\d+)"/.exec(body);
      const arrival: Arrival = { at, id: String(req.headers["webhook-id"] ?? ""), path: req.url ?? "/", blockNumber: m ? Number(m[1]) : -1 };
      sink.arrivals.push(arrival);
      if (keep(arrival.path)) {
        sink.samples.push({ at, path: arrival.path, body, headers: Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, String(v)])) });
      }
      res.writeHead(200, { "content-type": "text/plain", "content-length": "2" });
      res.end("ok");
      sink.onArrival?.(arrival);
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  sink.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  sink.close = async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return sink;
}
