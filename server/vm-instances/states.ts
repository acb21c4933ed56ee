import { Errors } from "../errors/catalogue.ts";

/** ZStack VmInstanceState. */
export type VmState =
  | "Created" | "Starting" | "Running" | "Stopping" | "Stopped" | "Rebooting" | "Pausing" | "Paused" | "Resuming"
  | "Migrating" | "Destroying" | "Destroyed" | "Expunging" | "Unknown";

/** The states each action may start from (ZStack VmInstanceState transitions). */
export const ALLOWED_FROM: Record<string, VmState[]> = {
  startVmInstance: ["Stopped", "Created"],
  stopVmInstance: ["Running", "Paused", "Unknown"],
  rebootVmInstance: ["Running"],
  pauseVmInstance: ["Running"],
  resumeVmInstance: ["Paused"],
  destroyVmInstance: ["Created", "Running", "Stopped", "Paused", "Unknown"],
  recoverVmInstance: ["Destroyed"],
  expungeVmInstance: ["Destroyed"],
  updateVmInstance: ["Created", "Running", "Stopped", "Paused", "Unknown", "Destroyed"],
  attachDataVolume: ["Running", "Stopped", "Paused"],
};

/** The transient state an action moves the VM into while its job runs. */
export const TRANSIENT: Record<string, VmState> = {
  startVmInstance: "Starting",
  stopVmInstance: "Stopping",
  rebootVmInstance: "Rebooting",
  pauseVmInstance: "Pausing",
  resumeVmInstance: "Resuming",
  destroyVmInstance: "Destroying",
  expungeVmInstance: "Expunging",
};

/**
 * Refuses an action the VM's state does not allow.
 * @throws ApiError SYS.1006 (409) naming the state and the states it needs.
 */
export function assertAllowed(action: string, state: string): void {
  const from = ALLOWED_FROM[action];
  if (from && !from.includes(state as VmState)) {
    throw Errors.operationNotAllowed(`${action} of this VM`, `the VM is ${state}; ${action} needs one of ${from.join(", ")}`);
  }
}
