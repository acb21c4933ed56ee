import { AliyunApiError } from "../client/errors.ts";
import type { AliyunProduct } from "../client/endpoints.ts";
import { HybridErrors } from "../errors.ts";
import type { AliyunConnection } from "../remote.ts";

/**
 * Runs `action` of `product` with `DryRun=true` so that parameter and state refusals reach the
 * caller at once with Alibaba's code; Alibaba answers a passing dry run with DryRunOperation.
 * @throws ALIYUN.<code> for any other answer.
 */
export async function dryRunOn(conn: AliyunConnection, product: AliyunProduct, regionId: string, action: string, params: Record<string, unknown>): Promise<void> {
  try {
    await conn.rpc.call(product, regionId, action, { ...params, DryRun: "true" });
  } catch (err) {
    if (err instanceof AliyunApiError && err.code === "DryRunOperation") return;
    if (err instanceof AliyunApiError) throw HybridErrors.fromAliyun(err);
    throw err;
  }
}
