import type { Request, Response, Router } from "express";
import express from "express";
import { OpenAPIRegistry } from "@asteasolutions/zod-to-openapi";
import { z, type ZodType } from "zod";
import { Errors } from "../errors/catalogue.ts";
import { UuidParams } from "./common-schemas.ts";
import { parseWith } from "./validate.ts";
import { localizeTimestamps } from "./time-zone.ts";
import type { AuthContext, Caller } from "../auth/context.ts";

/**
 * The REST framework every resource module registers with. One registration gives an
 * Express route and its OpenAPI entry from the same zod schemas, so the published document
 * cannot drift from what is validated. Routes stay thin: validate, authorise, call a service.
 *
 * Conventions (ZStack's REST API, see README "API overview"):
 * - create: `POST /v1/<collection>` `{ params, systemTags?, userTags? }` → `{ inventory }`
 * - actions: `PUT /v1/<collection>/{uuid}/actions` `{ <actionName>: {...} }` → `{ inventory }`
 * - get/query: `GET /v1/<collection>[/{uuid}]` → `{ inventories, total? }`
 * - delete: `DELETE /v1/<collection>/{uuid}?deleteMode=Permissive|Enforcing` → `{}`
 */

/** Who may call a route. */
export type Access = "public" | "authenticated" | "admin";

/** What a handler sees of its request. */
export interface ApiRequest<B = unknown, P = Record<string, string>, Q = Record<string, unknown>> {
  /** The caller. On public routes no caller is required: read `anyAuth` there instead. */
  auth: Caller;
  /** The caller as resolved, possibly anonymous (public routes). */
  anyAuth: AuthContext;
  body: B;
  params: P;
  query: Q;
  /** Raw query string values (repeatable `q=` conditions are arrays). */
  rawQuery: Record<string, unknown>;
  requestId: string;
  sourceIp: string;
  /** `X-Job-UUID` request header: the uuid the caller wants its async job to have. */
  jobUuid?: string;
  /** `X-Web-Hook` request header: where the async job's result is POSTed. */
  webHook?: string;
  /** The base URL the caller used, for `Location` headers. */
  baseUrl: string;
}

/** What a handler returns; the framework writes it. */
export interface ApiReply {
  status?: number;
  body?: unknown;
  headers?: Record<string, string>;
  /** Send this text as the body with the given content type instead of JSON (CSV export). */
  text?: { contentType: string; content: string; filename?: string };
}

/** Everything needed to register one endpoint. */
export interface RouteSpec<B extends ZodType, P extends ZodType, Q extends ZodType> {
  method: "get" | "post" | "put" | "delete";
  /** OpenAPI-style path below /v1, e.g. `/zones/{uuid}`. */
  path: string;
  /** ZStack API name used in audits and metrics, e.g. `CreateZone` (APICreateZoneMsg). */
  apiName: string;
  summary: string;
  /** Longer text: semantics, units, errors, and the ZStack/Alibaba source followed. */
  description: string;
  tag: string;
  access: Access;
  body?: B;
  params?: P;
  query?: Q;
  /** Schema of the 200/202 response body, for the OpenAPI document. */
  response?: ZodType;
  /** HTTP status of success (200 unless stated; 202 for async jobs). */
  successStatus?: number;
  handler: (req: ApiRequest<z.infer<B>, z.infer<P>, z.infer<Q>>) => Promise<ApiReply>;
}

/** One action under `PUT /v1/<collection>/{uuid}/actions`. */
export interface ActionSpec<B extends ZodType> {
  /** Key of the request body, e.g. `updateZone`. */
  action: string;
  /** ZStack API name, e.g. `UpdateZone`. */
  apiName: string;
  summary: string;
  description: string;
  access: Access;
  body: B;
  response?: ZodType;
  successStatus?: number;
  handler: (req: ApiRequest<z.infer<B>, { uuid: string }>) => Promise<ApiReply>;
}

/** Locals the framework leaves on `res` for the audit recorder. */
export interface ApiLocals {
  apiName?: string;
  resourceUuid?: string;
  auth?: AuthContext;
  requestSummary?: unknown;
  errorCode?: string;
  requestId: string;
}

const ErrorBody = z.object({
  error: z.object({
    code: z.string().describe("Stable error code, e.g. SYS.1007 (ZStack SysErrors/IdentityErrors)"),
    description: z.string(),
    details: z.string().optional(),
  }),
});

/** Holds the Express router and the OpenAPI registry every module registers into. */
export class Api {
  readonly router: Router = express.Router();
  readonly registry = new OpenAPIRegistry();
  private readonly actionGroups = new Map<string, { specs: Map<string, ActionSpec<ZodType>> }>();

  /** Zone API responses show timestamps in (global config system/timezone); UTC until set. */
  timeZone: () => string = () => "UTC";

  constructor() {
    this.registry.registerComponent("securitySchemes", "session", {
      type: "apiKey",
      in: "header",
      name: "Authorization",
      description: "`OAuth <session uuid>` (or `Bearer <session uuid>`) from PUT /v1/accounts/login, " +
        "or `ZStack <AccessKeyId>:<signature>` with a `Date` header (see README).",
    });
  }

  /** Registers one endpoint (Express + OpenAPI). */
  route<B extends ZodType = ZodType, P extends ZodType = ZodType, Q extends ZodType = ZodType>(
    spec: RouteSpec<B, P, Q>,
  ): void {
    const expressPath = spec.path.replace(/\{(\w+)\}/g, ":$1");
    this.router[spec.method](expressPath, async (req: Request, res: Response) => {
      const locals = res.locals as ApiLocals;
      locals.apiName = spec.apiName;
      const auth = authorise(req, spec.access);
      const params = spec.params ? parseWith(spec.params, req.params, "path") : req.params;
      locals.resourceUuid = (req.params as Record<string, string>).uuid;
      const query = spec.query ? parseWith(spec.query, req.query, "query") : req.query;
      const body = spec.body ? parseWith(spec.body, req.body ?? {}, "body") : req.body;
      locals.requestSummary = spec.body ? body : undefined;
      const reply = await spec.handler(toApiRequest(req, auth, body, params, query) as never);
      // Only a create (POST) makes the inventory's uuid "the resource" of the call; a login
      // (PUT) returns a session whose uuid is a credential and must not reach the audit log.
      if (spec.method === "post") locals.resourceUuid ??= createdUuid(reply);
      send(res, reply, spec.successStatus ?? 200, this.timeZone());
    });
    this.document(spec.method, spec.path, spec);
  }

  /**
   * Registers an action on `PUT /v1/<collection>/{uuid}/actions`. The body must hold exactly
   * one known action key; an unknown key gets SYS.1008 listing the known ones.
   */
  action<B extends ZodType>(collection: string, spec: ActionSpec<B>): void {
    let group = this.actionGroups.get(collection);
    if (!group) {
      group = { specs: new Map() };
      this.actionGroups.set(collection, group);
      const specs = group.specs;
      this.router.put(`/${collection}/:uuid/actions`, async (req: Request, res: Response) => {
        // Authenticate and check the path before looking at the body, as every other route
        // does: an anonymous caller gets ID.1001 (not a list of actions), and a malformed
        // uuid gets SYS.1007 (400) rather than a SYS.1003 (404) from the service.
        if (req.auth.kind === "anonymous" && ![...specs.values()].some((s) => s.access === "public")) {
          throw Errors.invalidSession(req.auth.reason);
        }
        const { uuid } = parseWith(UuidParams, req.params, "path");
        const body = (req.body ?? {}) as Record<string, unknown>;
        const keys = typeof body === "object" && !Array.isArray(body) ? Object.keys(body) : [];
        const known = [...specs.keys()];
        if (keys.length !== 1) {
          throw Errors.invalidArgument("Send exactly one action key in the body, e.g. { \"" + known[0] + "\": {...} }",
            `got ${keys.length} keys; actions: ${known.join(", ")}`);
        }
        const key = keys[0]!;
        const action = specs.get(key);
        if (!action) throw Errors.unknownAction(collection, key, known);
        const locals = res.locals as ApiLocals;
        locals.apiName = action.apiName;
        locals.resourceUuid = uuid;
        const auth = authorise(req, action.access);
        const input = parseWith(action.body, body[key] ?? {}, `body.${key}`);
        locals.requestSummary = { [key]: input };
        const reply = await action.handler(toApiRequest(req, auth, input, { uuid }, req.query) as never);
        send(res, reply, action.successStatus ?? 200, this.timeZone());
      });
    }
    if (group.specs.has(spec.action)) throw new Error(`action ${spec.action} registered twice on ${collection}`);
    group.specs.set(spec.action, spec as unknown as ActionSpec<ZodType>);
    this.document("put", `/${collection}/{uuid}/actions#${spec.action}`, {
      ...spec,
      tag: collection,
      body: z.object({ [spec.action]: spec.body }),
      params: z.object({ uuid: z.string() }),
    });
  }

  private document(method: string, path: string, spec: {
    apiName: string; summary: string; description: string; tag?: string; access: Access;
    body?: ZodType; params?: ZodType; query?: ZodType; response?: ZodType; successStatus?: number;
  }): void {
    // OpenAPI has one operation per method and path; actions share a path, so each is
    // documented under a fragment (`.../actions#updateZone`) that tools show as its own entry.
    const ok = spec.successStatus ?? 200;
    this.registry.registerPath({
      method: method as "get",
      path: `/v1${path}`,
      operationId: spec.apiName,
      summary: spec.summary,
      description: `${spec.description}\n\nAccess: ${spec.access}.`,
      tags: spec.tag ? [spec.tag] : undefined,
      security: spec.access === "public" ? [] : [{ session: [] }],
      request: {
        params: spec.params as never,
        query: spec.query as never,
        body: spec.body ? { content: { "application/json": { schema: spec.body } } } : undefined,
      },
      responses: {
        [ok]: {
          description: ok === 202 ? "Accepted: poll the job at the Location header" : "Success",
          content: spec.response ? { "application/json": { schema: spec.response } } : undefined,
        },
        400: { description: "Invalid argument (SYS.1007)", content: { "application/json": { schema: ErrorBody } } },
        ...(spec.access === "public" ? {} : {
          401: { description: "No valid session (ID.1001)", content: { "application/json": { schema: ErrorBody } } },
          403: { description: "Not permitted (ID.1002)", content: { "application/json": { schema: ErrorBody } } },
        }),
      },
    });
  }
}

function authorise(req: Request, access: Access): AuthContext {
  const auth = req.auth;
  if (access === "public") return auth;
  if (auth.kind === "anonymous") throw Errors.invalidSession(auth.reason);
  if (access === "admin" && !auth.isAdmin) {
    throw Errors.permissionDenied("only a SystemAdmin account may call this API");
  }
  return auth;
}

function toApiRequest(req: Request, auth: AuthContext, body: unknown, params: unknown, query: unknown): ApiRequest {
  const jobUuid = req.header("x-job-uuid") ?? undefined;
  const webHook = req.header("x-web-hook") ?? undefined;
  return {
    auth: auth as Caller,
    anyAuth: auth,
    body,
    params: params as Record<string, string>,
    query: query as Record<string, unknown>,
    rawQuery: req.query as Record<string, unknown>,
    requestId: (req.res?.locals as ApiLocals).requestId,
    sourceIp: req.ip ?? req.socket.remoteAddress ?? "",
    jobUuid,
    webHook,
    baseUrl: `${req.protocol}://${req.get("host") ?? "localhost"}`,
  };
}

/** The uuid of the resource a create call returned, for the audit record. */
function createdUuid(reply: ApiReply): string | undefined {
  const inv = (reply.body as { inventory?: { uuid?: unknown } } | undefined)?.inventory;
  return typeof inv?.uuid === "string" ? inv.uuid : undefined;
}

function send(res: Response, reply: ApiReply, defaultStatus: number, timeZone: string): void {
  for (const [k, v] of Object.entries(reply.headers ?? {})) res.setHeader(k, v);
  res.status(reply.status ?? defaultStatus);
  if (reply.text) {
    res.type(reply.text.contentType);
    if (reply.text.filename) res.attachment(reply.text.filename);
    res.send(reply.text.content);
    return;
  }
  res.json(localizeTimestamps(reply.body ?? {}, timeZone));
}
