import type { IncomingMessage, ServerResponse } from "node:http";
import { EmulatorAccessKeys } from "../core/access-keys.ts";
import type { RpcRegistry } from "../core/rpc.ts";
import type { EmulatorState } from "../core/state.ts";
import type { FailNextRule, FaultConfig, FaultInjector } from "../faults.ts";
import { mountTargetBacking } from "../products/nas/backing.ts";

/** Path prefix of the emulator's own endpoints; Alibaba has no such path, so nothing collides. */
export const ADMIN_PREFIX = "/__emulator/";

export interface AdminContext {
  state: EmulatorState;
  keys: EmulatorAccessKeys;
  faults: FaultInjector;
  registry: RpcRegistry;
  now: number;
}

/**
 * The emulator's control endpoints, unsigned (the emulator listens on 127.0.0.1 by default):
 * - `GET  /__emulator/health` → `{ ok, products: [{ product, version, actions }] }`
 * - `GET  /__emulator/state` → every account's resources, `{ accounts: { <accountId>: { <regionId>: { <Kind>: { <id>: {...} } } } } }`
 * - `GET  /__emulator/faults`, `PUT /__emulator/faults` (body: FaultConfig, replaces it) → the config in force
 * - `POST /__emulator/faults/fail-next` (body: `{ action, count, code?, status?, message? }`) → the config
 * - `GET  /__emulator/access-keys` → `[{ accessKeyId, accountId }]` (no secrets)
 * - `POST /__emulator/access-keys` (body: `{ accessKeyId?, accessKeySecret?, accountId? }`; both key
 *   fields or neither, neither generates a key) → 201 `{ accessKeyId, accessKeySecret, accountId }`
 * - `POST /__emulator/flush` → writes the state file now; 204
 * - `GET  /__emulator/nas/mount-targets/<domain>` → which local export (or directory) stands in for a
 *   NAS mount target: {@link mountTargetBacking}'s answer, 404 for an unknown domain
 * Bad input is 400 `{ error }`; unknown paths 404.
 */
export async function handleAdmin(req: IncomingMessage, res: ServerResponse, body: Buffer, ctx: AdminContext): Promise<void> {
  const path = new URL(req.url ?? "/", "http://emulator").pathname.slice(ADMIN_PREFIX.length - 1);
  const route = `${req.method} ${path}`;
  try {
    const nas = /^GET \/nas\/mount-targets\/([A-Za-z0-9.-]+)$/.exec(route);
    if (nas) {
      const backing = mountTargetBacking(ctx.state, nas[1]!);
      return backing ? json(res, 200, backing) : json(res, 404, { error: `no mount target ${nas[1]}` });
    }
    switch (route) {
      case "GET /health":
        return json(res, 200, { ok: true, products: ctx.registry.products().map((p) => ({ product: p.product, version: p.version, actions: Object.keys(p.actions).length })) });
      case "GET /state":
        return json(res, 200, ctx.state.snapshot(ctx.now));
      case "GET /faults":
        return json(res, 200, ctx.faults.config());
      case "PUT /faults":
        ctx.faults.configure(parse<FaultConfig>(body));
        return json(res, 200, ctx.faults.config());
      case "POST /faults/fail-next":
        ctx.faults.failNext(parse<FailNextRule>(body));
        return json(res, 200, ctx.faults.config());
      case "GET /access-keys":
        return json(res, 200, ctx.keys.all().map((k) => ({ accessKeyId: k.accessKeyId, accountId: k.accountId })));
      case "POST /access-keys":
        return json(res, 201, addKey(ctx.keys, body.length ? parse<Record<string, unknown>>(body) : {}));
      case "POST /flush":
        ctx.state.flush();
        res.writeHead(204).end();
        return;
      default:
        return json(res, 404, { error: `no emulator endpoint ${route}` });
    }
  } catch (e) {
    return json(res, 400, { error: (e as Error).message });
  }
}

function addKey(keys: EmulatorAccessKeys, input: Record<string, unknown>) {
  const { accessKeyId, accessKeySecret, accountId } = input;
  for (const [name, v] of Object.entries({ accessKeyId, accessKeySecret, accountId })) {
    if (v !== undefined && (typeof v !== "string" || !v || v.includes(":") || v.includes(","))) throw new Error(`${name} must be a non-empty string without ':' or ','`);
  }
  if (accountId !== undefined && !/^\d{16}$/.test(accountId as string)) throw new Error("accountId must be 16 digits");
  if ((accessKeyId === undefined) !== (accessKeySecret === undefined)) throw new Error("give both accessKeyId and accessKeySecret, or neither");
  if (accessKeyId === undefined) return keys.generate(accountId as string | undefined);
  // Without an account id the key gets the same derived account as in ALIYUN_EMULATOR_ACCESS_KEYS.
  const key = EmulatorAccessKeys.parse(`${accessKeyId}:${accessKeySecret}${accountId ? `:${accountId}` : ""}`).all()[0]!;
  keys.add(key);
  return key;
}

function parse<T>(body: Buffer): T {
  const v: unknown = JSON.parse(body.toString("utf8") || "null");
  if (!v || typeof v !== "object" || Array.isArray(v)) throw new Error("body must be a JSON object");
  return v as T;
}

function json(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json; charset=utf-8", "content-length": Buffer.byteLength(text) });
  res.end(text);
}
