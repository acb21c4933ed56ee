/**
 * Local notification receivers for SNS tests: an HTTP receiver, a DingTalk robot that checks
 * `timestamp` + `sign` the way DingTalk documents, and an in-process SMTP server (smtp-server).
 * They listen on loopback only.
 */
import { createHmac } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { SMTPServer } from "smtp-server";

/** A request a receiver got. */
export interface Received {
  path: string;
  headers: IncomingMessage["headers"];
  body: string;
  json: any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

/** An HTTP receiver whose replies a test scripts. */
export interface HttpReceiver {
  url: string;
  received: Received[];
  /** Replies for the next requests (status, body); afterwards 200 "ok". */
  replies: { status: number; body?: string; headers?: Record<string, string> }[];
  close(): Promise<void>;
}

async function listen(server: Server): Promise<string> {
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const a = server.address();
  return `http://127.0.0.1:${typeof a === "object" && a ? a.port : 0}`;
}

/** Starts an HTTP receiver; `handle` may answer instead of the scripted replies. */
export async function startHttpReceiver(handle?: (r: Received, res: ServerResponse) => boolean): Promise<HttpReceiver> {
  const received: Received[] = [];
  const replies: HttpReceiver["replies"] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks).toString();
      let json: unknown;
      try {
        json = JSON.parse(body);
      } catch {
        json = undefined;
      }
      const r: Received = { path: req.url ?? "", headers: req.headers, body, json };
      received.push(r);
      if (handle?.(r, res)) return;
      const reply = replies.shift() ?? { status: 200, body: "ok" };
      res.writeHead(reply.status, { "content-type": "text/plain", ...reply.headers });
      res.end(reply.body ?? "");
    });
  });
  const url = await listen(server);
  return { url, received, replies, close: () => new Promise((r) => server.close(() => r())) };
}

/**
 * A DingTalk robot: checks `timestamp` (within an hour, as DingTalk does) and `sign`
 * (urlencoded base64 HMAC-SHA256 of "<timestamp>\n<secret>"), answering errcode 310000 on a
 * bad signature, else errcode 0 — or the scripted `errcodes` first.
 */
export async function startDingTalkRobot(secret: string): Promise<HttpReceiver & { errcodes: number[]; accepted: Received[] }> {
  const errcodes: number[] = [];
  const accepted: Received[] = [];
  const rx = await startHttpReceiver((r, res) => {
    const u = new URL(r.path, "http://x");
    const timestamp = u.searchParams.get("timestamp") ?? "";
    const sign = u.searchParams.get("sign") ?? "";
    const expected = createHmac("sha256", secret).update(`${timestamp}\n${secret}`).digest("base64");
    const fresh = Math.abs(Date.now() - Number(timestamp)) < 3600_000;
    res.writeHead(200, { "content-type": "application/json" });
    if (!fresh || sign !== expected) {
      res.end(JSON.stringify({ errcode: 310000, errmsg: "sign not match" }));
      return true;
    }
    const scripted = errcodes.shift();
    if (scripted !== undefined && scripted !== 0) {
      res.end(JSON.stringify({ errcode: scripted, errmsg: "scripted failure" }));
      return true;
    }
    accepted.push(r);
    res.end(JSON.stringify({ errcode: 0, errmsg: "ok" }));
    return true;
  });
  return Object.assign(rx, { errcodes, accepted });
}

/** One mail the SMTP server accepted. */
export interface Mail { from: string; to: string[]; data: string }

/** An in-process SMTP server (no TLS, no auth) on a loopback port. */
export async function startSmtpServer(): Promise<{ port: number; mails: Mail[]; close(): Promise<void> }> {
  const mails: Mail[] = [];
  const server = new SMTPServer({
    authOptional: true, disabledCommands: ["STARTTLS", "AUTH"], logger: false,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on("data", (c: Buffer) => chunks.push(c));
      stream.on("end", () => {
        mails.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : "",
          to: session.envelope.rcptTo.map((r) => r.address), data: Buffer.concat(chunks).toString(),
        });
        callback();
      });
    },
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const a = server.server.address();
  return { port: typeof a === "object" && a ? a.port : 0, mails, close: () => new Promise((r) => server.close(() => r())) };
}
