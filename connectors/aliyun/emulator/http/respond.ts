import type { ServerResponse } from "node:http";
import type { AliyunError } from "../core/errors.ts";

/** Response format of an RPC call: `Format=JSON` (default) or `Format=XML`. */
export type RpcFormat = "JSON" | "XML";

/**
 * Sends an RPC success body: `{ RequestId, ...fields }` in JSON, or in XML under
 * `<{Action}Response>` where a list `{Instance: [a, b]}` becomes repeated `<Instance>` elements.
 */
export function sendRpcResult(res: ServerResponse, body: Record<string, unknown>, format: RpcFormat, action: string): void {
  send(res, 200, body, format, `${action}Response`);
}

/**
 * Sends an Alibaba error body `{ RequestId, HostId, Code, Message, Recommend }` with the error's
 * real HTTP status (the generated SDKs throw on 4xx/5xx; pop-core reads `Code`).
 */
export function sendRpcError(res: ServerResponse, err: AliyunError, ctx: { requestId: string; hostId: string; product?: string; format: RpcFormat; retryAfterMs?: number }): void {
  const body = {
    RequestId: ctx.requestId,
    HostId: ctx.hostId,
    Code: err.code,
    Message: err.message,
    Recommend: `https://api.aliyun.com/troubleshoot?q=${encodeURIComponent(err.code)}&product=${encodeURIComponent(ctx.product ?? "")}&requestId=${ctx.requestId}`,
  };
  if (ctx.retryAfterMs !== undefined) res.setHeader("x-acs-retry-after", String(ctx.retryAfterMs));
  send(res, err.status, body, ctx.format, "Error");
}

function send(res: ServerResponse, status: number, body: Record<string, unknown>, format: RpcFormat, root: string): void {
  // The generated SDKs recognise an XML error only by this exact content type.
  const [type, text] = format === "XML"
    ? ["text/xml;charset=utf-8", `<?xml version="1.0" encoding="UTF-8"?>${toXml(root, body)}`]
    : ["application/json;charset=utf-8", JSON.stringify(body)];
  res.writeHead(status, { "content-type": type, "content-length": Buffer.byteLength(text) });
  res.end(text);
}

function toXml(name: string, value: unknown): string {
  if (Array.isArray(value)) return value.map((v) => toXml(name, v)).join("");
  if (value !== null && typeof value === "object") {
    return `<${name}>${Object.entries(value).map(([k, v]) => toXml(k, v)).join("")}</${name}>`;
  }
  if (value === undefined || value === null) return `<${name}/>`;
  return `<${name}>${String(value).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;")}</${name}>`;
}
