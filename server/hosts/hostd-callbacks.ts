import { timingSafeEqual } from "node:crypto";
import express, { type Express } from "express";
import { z } from "zod";
import type { PrismaClient } from "../../generated/prisma/client.ts";
import type { SecretCipher } from "../secrets/cipher.ts";

const StateReport = z.object({
  hostUuid: z.string().regex(/^[0-9a-f]{32}$/),
  vmInstanceUuid: z.string().min(1).max(64),
  from: z.string().max(32).optional(),
  to: z.string().max(32),
});

/**
 * Receives hostd's own reports (outside /v1, not in the OpenAPI document): each agent
 * authenticates with its host's secret. `POST /hostd-callbacks/vm/state-changed`
 * `{ hostUuid, vmInstanceUuid, from, to }` tells of a VM that changed state on its own.
 */
export function registerHostdCallbacks(app: Express, prisma: PrismaClient, cipher: SecretCipher,
  onVmState: (hostUuid: string, vmUuid: string, to: string) => Promise<void>): void {
  app.post("/hostd-callbacks/vm/state-changed", express.json({ limit: "64kb" }), async (req, res) => {
    const parsed = StateReport.safeParse(req.body);
    if (!parsed.success) return void res.status(400).json({ success: false, error: "malformed report" });
    const host = await prisma.host.findUnique({ where: { uuid: parsed.data.hostUuid } });
    const given = Buffer.from(/^Bearer\s+(\S+)$/.exec(req.header("authorization") ?? "")?.[1] ?? "");
    const expected = host ? Buffer.from(cipher.decrypt(host.hostdSecretEncrypted)) : Buffer.alloc(0);
    if (!host || given.length !== expected.length || !timingSafeEqual(given, expected)) {
      return void res.status(401).json({ success: false, error: "unknown host or wrong secret" });
    }
    await onVmState(host.uuid, parsed.data.vmInstanceUuid, parsed.data.to);
    res.json({ success: true });
  });
}
