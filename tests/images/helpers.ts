/**
 * Helpers for image tests: small image files made with qemu-img, and a local HTTP file server
 * (127.0.0.1 only) with a 404 for unknown paths and an optional stalled path.
 */
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { createReadStream, readFileSync, statSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";

/** Makes `<dir>/<name>` with `qemu-img create -f <format> ... <size>` and returns its path. */
export function qemuImgCreate(dir: string, name: string, format: "qcow2" | "raw", size: string): string {
  const path = join(dir, name);
  execFileSync("qemu-img", ["create", "-q", "-f", format, path, size]);
  return path;
}

/** Hex digest of a file, as sha256sum / md5sum print it. */
export function digest(path: string, algorithm: "sha256" | "md5"): string {
  return createHash(algorithm).update(readFileSync(path)).digest("hex");
}

/** A local file server: GET /<name> serves files registered with `serve`. */
export class FileServer {
  private readonly files = new Map<string, string>();
  private server?: Server;
  /** Paths that send headers and a little data, then hang (interrupted downloads). */
  readonly stalled = new Set<string>();
  /** Authorization header required on every request, when set. */
  requireAuthorization?: string;
  url = "";

  serve(name: string, path: string): string {
    this.files.set(`/${name}`, path);
    return `${this.url}/${name}`;
  }

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      if (this.requireAuthorization && req.headers.authorization !== this.requireAuthorization) {
        res.writeHead(401).end("no");
        return;
      }
      if (this.stalled.has(req.url ?? "")) {
        res.writeHead(200, { "content-length": String(1024 * 1024), "content-type": "application/octet-stream" });
        res.write(Buffer.alloc(512 * 1024)); // half: progress ≈ 50 %
        return; // never ends
      }
      const path = this.files.get(req.url ?? "");
      if (!path) {
        res.writeHead(404).end("not found");
        return;
      }
      res.writeHead(200, { "content-length": String(statSync(path).size), "content-type": "application/octet-stream" });
      createReadStream(path).pipe(res);
    });
    await new Promise<void>((resolve) => this.server!.listen(0, "127.0.0.1", resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async close(): Promise<void> {
    if (!this.server) return;
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server!.close(() => resolve()));
  }
}
