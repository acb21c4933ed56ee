import type { IncomingMessage, ServerResponse } from "node:http";
import type { EmulatorState } from "../core/state.ts";
import type { OssTarget } from "./address.ts";
import type { OssCaller } from "./auth.ts";
import type { BlobStore } from "./blobs.ts";
import { xmlDocument, type XmlNode } from "./xml.ts";

/** One authenticated OSS request on its way through an operation. */
export interface OssCall {
  req: IncomingMessage;
  res: ServerResponse;
  state: EmulatorState;
  requestId: string;
  /** Epoch ms of the request (the emulator's clock). */
  now: number;
  target: OssTarget;
  caller: OssCaller;
  blobs: BlobStore;
}

/** Headers every OSS response carries. */
export function commonHeaders(call: Pick<OssCall, "requestId" | "now">): Record<string, string> {
  return { "x-oss-request-id": call.requestId, Date: new Date(call.now).toUTCString(), Server: "AliyunOSS" };
}

/** Sends an XML document. */
export function sendXml(call: OssCall, status: number, root: string, body: XmlNode | string, headers: Record<string, string> = {}): void {
  const text = Buffer.from(xmlDocument(root, body));
  call.res.writeHead(status, { ...commonHeaders(call), "Content-Type": "application/xml", "Content-Length": String(text.length), ...headers });
  call.res.end(text);
}

/** Sends a response without a body. */
export function sendEmpty(call: OssCall, status: number, headers: Record<string, string> = {}): void {
  call.res.writeHead(status, { ...commonHeaders(call), "Content-Length": "0", ...headers });
  call.res.end();
}

/** Reads a small request body (an XML document) as text; OSS caps these documents well below 1 MiB. */
export async function readSmallBody(req: IncomingMessage, limit = 2 * 1024 * 1024): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) throw new Error("request body too large");
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString("utf8");
}

/** ISO 8601 with milliseconds, as OSS XML shows times (`2026-11-23T06:33:12.000Z`). */
export function ossTime(epochMs: number): string {
  return new Date(Math.floor(epochMs / 1000) * 1000).toISOString();
}
