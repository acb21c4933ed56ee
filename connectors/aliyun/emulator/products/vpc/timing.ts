import type { RpcCall } from "../../core/rpc.ts";

/**
 * How long VPC resources stay in their transitional status before they settle (Pending →
 * Available, Associating → InUse), in ms. Real Alibaba takes a few seconds; the emulator keeps it
 * short so tests stay fast. Tests may set `transitionMs` (0 makes changes immediate).
 */
export const vpcTiming = { transitionMs: 1500 };

/** The delay for this call: the server's `transitionMs` option when it set one, else {@link vpcTiming}. */
export function transitionMs(call: RpcCall): number {
  return call.transitionMs ?? vpcTiming.transitionMs;
}
