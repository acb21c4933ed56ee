/**
 * /network/* commands: bridges of L2 networks and the flat network's DHCP. Each is a JSON POST
 * answering `{ success: true, ...fields }` or a failure reply (errors.ts); a network operation
 * that failed on the host answers `success: false, code: "COMMAND_FAILED"` with the reason.
 */
import { Router } from "express";
import { HostdError } from "../../errors.ts";
import type { NetworkService } from "../../network/service.ts";
import { SimNetworkDriver } from "../../network/sim.ts";
import { NetworkDriverError } from "../../network/types.ts";
import { parseBody } from "../validate.ts";
import {
  ApplyDhcpCmd,
  CreateNoVlanBridgeCmd,
  CreateVlanBridgeCmd,
  DeleteBridgeCmd,
  DeleteDhcpCmd,
  ReleaseDhcpCmd,
  SimNetworkFailCmd,
} from "./schema.ts";

/** Turns a driver failure into the kvmagent-style "command failed" reply. */
async function command<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof NetworkDriverError) throw new HostdError("COMMAND_FAILED", err.message);
    throw err;
  }
}

/** Routes for network commands. */
export function networkRoutes(network: NetworkService): Router {
  const router = Router();

  router.post("/network/l2novlan/createbridge", async (req, res) => {
    const cmd = parseBody(CreateNoVlanBridgeCmd, req.body);
    res.json({ success: true, ...(await command(() => network.createBridge(cmd))) });
  });

  router.post("/network/l2vlan/createbridge", async (req, res) => {
    const cmd = parseBody(CreateVlanBridgeCmd, req.body);
    res.json({ success: true, ...(await command(() => network.createBridge(cmd))) });
  });

  router.post("/network/bridge/delete", async (req, res) => {
    const cmd = parseBody(DeleteBridgeCmd, req.body);
    res.json({ success: true, ...(await command(() => network.deleteBridge(cmd))) });
  });

  router.post("/network/bridge/list", async (_req, res) => {
    res.json({ success: true, bridges: await command(() => network.listBridges()) });
  });

  router.post("/network/flatdhcp/apply", async (req, res) => {
    const cmd = parseBody(ApplyDhcpCmd, req.body);
    res.json({ success: true, ...(await command(() => network.applyDhcp(cmd))) });
  });

  router.post("/network/flatdhcp/release", async (req, res) => {
    const cmd = parseBody(ReleaseDhcpCmd, req.body);
    res.json({ success: true, ...(await command(() => network.releaseDhcp(cmd.l3NetworkUuid, cmd.entries.map((e) => e.mac)))) });
  });

  router.post("/network/flatdhcp/delete", async (req, res) => {
    const cmd = parseBody(DeleteDhcpCmd, req.body);
    await command(() => network.deleteDhcp(cmd.l3NetworkUuid));
    res.json({ success: true });
  });

  router.post("/network/flatdhcp/list", async (_req, res) => {
    res.json({ success: true, networks: await command(() => network.listDhcp()) });
  });

  const sim = network.driver;
  if (sim instanceof SimNetworkDriver) {
    router.post("/network/sim/fail", (req, res) => {
      const cmd = parseBody(SimNetworkFailCmd, req.body);
      if (cmd.clear) sim.clearFailures();
      if (cmd.op) sim.forceFailure(cmd.op, cmd.error);
      res.json({ success: true });
    });
  }

  return router;
}
