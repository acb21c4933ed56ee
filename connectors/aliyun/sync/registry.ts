import type { DataCenter } from "../../../generated/prisma/client.ts";
import type { AliyunConnection } from "../remote.ts";
import type { ReconcileResult } from "./reconcile.ts";

/**
 * One kind of resource a data-center sync brings in line (identity zones, VPCs, VSwitches,
 * ECS instances, ...). Steps run in registration order, so a step may rely on the rows of the
 * steps before it (VSwitches need VPCs and identity zones).
 */
export interface SyncStep {
  /** Resource type, e.g. "EcsVpc". */
  resourceType: string;
  run(dc: DataCenter, conn: AliyunConnection): Promise<ReconcileResult>;
}

/** The ordered sync steps the Alibaba modules registered. */
export class SyncRegistry {
  readonly steps: SyncStep[] = [];

  add(step: SyncStep): void {
    this.steps.push(step);
  }
}
