/**
 * /sim/* control commands, mounted only when hostd runs with `--driver sim`. They let a test
 * that started sim hostd as a separate process inject failures and guest-side events; tests
 * in the same process can call the SimDriver directly instead.
 */
import { Router } from "express";
import { z } from "zod";
import { SIM_COMMANDS, type SimDriver } from "../../drivers/sim.ts";
import { parseBody } from "../validate.ts";

/** POST /sim/fail: force `command` to fail, or set the random failure rate. */
const FailCmd = z.object({
  /** Driver operation to force-fail on every call. */
  command: z.enum(SIM_COMMANDS).optional(),
  /** Error message of the forced failure. */
  error: z.string().max(500).optional(),
  /** Probability 0..1 that any mutating operation fails. */
  failureRate: z.number().min(0).max(1).optional(),
});

/** POST /sim/guest-event: something happens inside a guest. */
const GuestEventCmd = z.object({
  vmInstanceUuid: z.string().min(1),
  /** "shutdown": guest powers off; "crash": guest crashes. */
  event: z.enum(["shutdown", "crash"]),
});

/** POST /sim/delay: how long mutating commands take, in ms. */
const DelayCmd = z.object({ minDelayMs: z.number().int().min(0).max(600_000), maxDelayMs: z.number().int().min(0).max(600_000).optional() });

/** Routes for controlling the sim driver. */
export function simRoutes(sim: SimDriver): Router {
  const router = Router();

  router.post("/sim/fail", (req, res) => {
    const cmd = parseBody(FailCmd, req.body);
    if (cmd.command) sim.forceFailure(cmd.command, cmd.error);
    if (cmd.failureRate !== undefined) sim.setFailureRate(cmd.failureRate);
    res.json({ success: true });
  });

  router.post("/sim/delay", (req, res) => {
    const cmd = parseBody(DelayCmd, req.body);
    sim.setDelays(cmd.minDelayMs, cmd.maxDelayMs ?? cmd.minDelayMs);
    res.json({ success: true });
  });

  router.post("/sim/clear", (_req, res) => {
    sim.clearFailures();
    res.json({ success: true });
  });

  router.post("/sim/guest-event", (req, res) => {
    const cmd = parseBody(GuestEventCmd, req.body);
    if (cmd.event === "shutdown") sim.simulateGuestShutdown(cmd.vmInstanceUuid);
    else sim.simulateCrash(cmd.vmInstanceUuid);
    res.json({ success: true });
  });

  return router;
}
