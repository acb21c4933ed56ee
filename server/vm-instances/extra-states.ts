import { Errors } from "../errors/catalogue.ts";
import type { JobRequest } from "../hosts/service.ts";
import type { ApiRequest } from "../http/api.ts";
import type { VmState } from "./states.ts";

/**
 * The states each extra VM action (console, offering, NICs, clone, migration) may start from,
 * following ZStack's VmInstanceState checks of those messages.
 */
export const EXTRA_ALLOWED_FROM = {
  getVmConsoleAddress: ["Running", "Paused"],
  setVmConsolePassword: ["Created", "Stopped", "Running", "Paused"],
  changeInstanceOffering: ["Created", "Stopped", "Running", "Paused"],
  setVmBootSettings: ["Created", "Stopped", "Running", "Paused", "Unknown"],
  attachL3NetworkToVm: ["Created", "Stopped", "Running", "Paused"],
  detachL3NetworkFromVm: ["Created", "Stopped", "Running", "Paused"],
  cloneVmInstance: ["Stopped", "Running"],
  migrateVm: ["Stopped", "Running", "Paused"],
} satisfies Record<string, VmState[]>;

/**
 * Refuses an action the VM's state does not allow.
 * @throws ApiError SYS.1006 (409) naming the state, the states needed and, when given, what to do.
 */
export function assertVmState(action: keyof typeof EXTRA_ALLOWED_FROM, state: string, hint?: string): void {
  const from: readonly string[] = EXTRA_ALLOWED_FROM[action];
  if (!from.includes(state)) {
    throw Errors.operationNotAllowed(`${action} of this VM`, `the VM is ${state}; ${hint ?? `${action} needs one of ${from.join(", ")}`}`);
  }
}

/** The job request of an API call (its name, X-Job-UUID, X-Web-Hook, base URL). */
export const jobRequest = (apiName: string, req: ApiRequest<unknown, unknown, unknown>): JobRequest =>
  ({ apiName, jobUuid: req.jobUuid, webHook: req.webHook, baseUrl: req.baseUrl });
