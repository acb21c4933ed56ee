import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { EmulatorAccessKeys } from "./core/access-keys.ts";
import { newRequestId, RpcRegistry } from "./core/rpc.ts";
import { EmulatorState } from "./core/state.ts";
import { type FaultConfig, FaultInjector } from "./faults.ts";
import { ADMIN_PREFIX, handleAdmin } from "./http/admin.ts";
import { NonceCache } from "./http/authenticate.ts";
import { handleRpc, isRpcRequest } from "./http/rpc-endpoint.ts";
import { handleOss, isOssRequest } from "./oss/handler.ts";
import { ecsProduct } from "./products/ecs/index.ts";
import { vpcProduct } from "./products/vpc/index.ts";
import { nasProduct } from "./products/nas/index.ts";
import { cmsProduct } from "./products/cms/index.ts";

/** Options of {@link startEmulator}. */
export interface EmulatorOptions {
  /** TCP port; 0 (the default) picks a free one. */
  port?: number;
  /** Address to listen on; default 127.0.0.1 (the admin endpoints are unauthenticated). */
  host?: string;
  /** Where `state.json` (and OSS object bodies) live; state is in memory only when absent. */
  dataDir?: string;
  /** The AccessKeys the emulator accepts. */
  accessKeys: EmulatorAccessKeys;
  /** Initial fault configuration; change it later through `faults` or `PUT /__emulator/faults`. */
  faults?: FaultConfig;
  /** The emulator's clock, epoch ms (signature timestamps and resource transitions); default Date.now. */
  clock?: () => number;
  /** Duration of simulated status moves in ms (Starting → Running, ImportImage); default 2000. */
  transitionMs?: number;
  /** Told about emulator bugs (exceptions that became InternalError 500 responses). */
  onInternalError?: (err: unknown, context: string) => void;
}

/** A running emulator. */
export interface RunningEmulator {
  /** Base URL, e.g. `http://127.0.0.1:8090` — the endpoint for pop-core, the generated SDKs and ali-oss. */
  url: string;
  state: EmulatorState;
  keys: EmulatorAccessKeys;
  faults: FaultInjector;
  registry: RpcRegistry;
  /** Stops listening, drops kept-alive connections and writes the state file. */
  close(): Promise<void>;
}

/** RPC and admin bodies are small; OSS streams its own bodies and is not limited here. */
const MAX_RPC_BODY_BYTES = 4 * 1024 * 1024;

/**
 * Starts the Alibaba Cloud API emulator: one plain HTTP server answering
 * - RPC calls (ECS `2014-05-26`, VPC `2016-04-28`) signed with signature v1 (pop-core, GET or
 *   POST form) or ACS3-HMAC-SHA256 (official generated SDKs), JSON or `Format=XML`;
 * - OSS requests (Authorization `OSS …`, OSS host names, or any path other than an RPC `/` call);
 * - the emulator's own unsigned endpoints under `/__emulator/` (see http/admin.ts).
 * Faults are injected after authentication and before the action runs.
 */
export async function startEmulator(opts: EmulatorOptions): Promise<RunningEmulator> {
  const clock = opts.clock ?? Date.now;
  const state = EmulatorState.open(opts.dataDir);
  const faults = new FaultInjector(opts.faults ?? {});
  const registry = new RpcRegistry();
  registry.register(ecsProduct);
  registry.register(vpcProduct);
  registry.register(nasProduct);
  registry.register(cmsProduct);
  const nonces = new NonceCache();
  const keys = opts.accessKeys;
  const onInternalError = opts.onInternalError ?? ((err: unknown, where: string) => console.error(`aliyun emulator: ${where} failed`, err));

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const now = clock();
    const requestId = newRequestId();
    const path = (req.url ?? "/").split("?")[0]!;
    if (path.startsWith(ADMIN_PREFIX)) {
      const body = await readBody(req, res);
      if (body) await handleAdmin(req, res, body, { state, keys, faults, registry, now });
      return;
    }
    // OSS first: ListBuckets is `GET /` too, told apart by its `OSS ` Authorization or host name.
    if (!isOssRequest(req) && isRpcRequest(req)) {
      const body = await readBody(req, res);
      if (body) {
        await handleRpc(req, res, body, {
          state, keys, faults, registry, nonces, requestId, now, transitionMs: opts.transitionMs,
          onInternalError: (err, action) => onInternalError(err, action || "RPC call"),
        });
      }
      return;
    }
    await handleOss(req, res, { state, keys, requestId, now });
  }

  const server = createServer((req, res) => {
    route(req, res).catch((err: unknown) => {
      onInternalError(err, `${req.method} ${req.url}`);
      if (!res.headersSent) res.writeHead(500, { "content-type": "application/json" });
      res.end(JSON.stringify({ Code: "InternalError", Message: "The request processing has failed due to some unknown error." }));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port ?? 0, opts.host ?? "127.0.0.1", () => resolve());
  });
  const address = server.address() as AddressInfo;
  const host = address.family === "IPv6" ? `[${address.address}]` : address.address;
  return {
    url: `http://${host}:${address.port}`,
    state, keys, faults, registry,
    async close() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        // pop-core and the SDKs keep connections alive; close would wait for them otherwise.
        server.closeAllConnections();
      });
      state.flush();
    },
  };
}

/** The whole body, or undefined after answering 413 when it exceeds the limit. */
async function readBody(req: IncomingMessage, res: ServerResponse): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_RPC_BODY_BYTES) {
      res.writeHead(413, { "content-type": "application/json", connection: "close" });
      res.end(JSON.stringify({ Code: "RequestEntityTooLarge", Message: `The request body exceeds ${MAX_RPC_BODY_BYTES} bytes.` }));
      req.destroy();
      return undefined;
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}
