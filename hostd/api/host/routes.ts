/**
 * /host/* commands: connect, ping, echo, fact, capacity. Each is a JSON POST answering
 * `{ success: true, ...fields }` or a failure reply (errors.ts).
 */
import { Router } from "express";
import type { HostService } from "../../services/host-service.ts";
import { parseBody } from "../validate.ts";
import { ConnectCmd, PingCmd } from "./schema.ts";

/** Routes for host-level commands. */
export function hostRoutes(hosts: HostService): Router {
  const router = Router();

  router.post("/host/connect", async (req, res) => {
    const cmd = parseBody(ConnectCmd, req.body);
    res.json({ success: true, ...(await hosts.connect(cmd)) });
  });

  router.post("/host/ping", (req, res) => {
    const cmd = parseBody(PingCmd, req.body);
    res.json({ success: true, ...hosts.ping(cmd.hostUuid) });
  });

  router.post("/host/echo", (_req, res) => {
    res.json({ success: true });
  });

  router.post("/host/fact", async (_req, res) => {
    res.json({ success: true, ...(await hosts.facts()) });
  });

  router.post("/host/capacity", async (_req, res) => {
    res.json({ success: true, ...(await hosts.capacity()) });
  });

  return router;
}
