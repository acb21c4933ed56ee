/**
 * Request bodies of the /host/* commands.
 */
import { z } from "zod";

/** POST /host/connect */
export const ConnectCmd = z.object({
  /** Uuid the management node gave this host. */
  hostUuid: z.string().min(1).max(128),
  /** Base URL for hostd's reports; VM state changes go to `<url>/vm/state-changed`. */
  managementNodeCallbackUrl: z.url({ protocol: /^https?$/ }).optional(),
  /** URL the management node sends commands from (kept for diagnostics). */
  sendCommandUrl: z.string().max(2048).optional(),
});

/** POST /host/ping */
export const PingCmd = z.object({
  /** Uuid the management node believes this host has. */
  hostUuid: z.string().min(1).max(128),
});
