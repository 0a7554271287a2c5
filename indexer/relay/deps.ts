/**
 * Wires the relay to the modules it integrates: Standard Webhooks signing (sdk/webhooks.ts), the SSRF guard
 * (./ssrf.ts) and wallet-signed request verification (./auth/). The last two are loaded dynamically so the
 * relay still starts (loudly degraded) while they are missing from a checkout.
 */
import type { Context, MiddlewareHandler } from "hono";
import { signWebhook } from "../../sdk/webhooks.ts";
import type { EndpointCheck } from "./attemptDelivery.ts";
import type { RelayConfig } from "./config.ts";
import type { RelayDeps } from "./relay.ts";

type SsrfModule = { assertEndpointAllowed: (url: string, options: { allowLoopback: boolean; allowPrivate: boolean }) => Promise<unknown> };

async function optionalImport<T>(specifier: string): Promise<T | undefined> {
  try {
    return (await import(specifier)) as T;
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === "ERR_MODULE_NOT_FOUND") return undefined;
    throw error;
  }
}

export async function loadRelayDeps(config: RelayConfig, log = (m: string) => console.warn(`[relay] ${m}`)): Promise<RelayDeps> {
  const ssrf = await optionalImport<SsrfModule>(new URL("./ssrf.ts", import.meta.url).href);
  let checkEndpoint: EndpointCheck;
  if (ssrf) {
    const options = { allowLoopback: config.allowLoopback, allowPrivate: config.allowPrivate };
    checkEndpoint = async (url) => {
      await ssrf.assertEndpointAllowed(url, options);
    };
  } else {
    log("WARNING: indexer/relay/ssrf.ts is missing: endpoints are NOT checked against private/loopback addresses");
    checkEndpoint = async () => {};
  }
  const auth = await loadAuth(log);
  return { sign: signWebhook, checkEndpoint, ...auth };
}

async function loadAuth(log: (m: string) => void): Promise<{ auth?: MiddlewareHandler; signerOf?: (c: Context) => string | undefined }> {
  const auth = await optionalImport<Record<string, unknown>>(new URL("./auth/index.ts", import.meta.url).href);
  if (!auth) {
    log("WARNING: indexer/relay/auth/ is missing: the /v1/subscriptions/:id/* routes answer 503");
    return {};
  }
  return {};
}
