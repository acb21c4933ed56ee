/**
 * Where each Alibaba Cloud product is reached. Without an override these are the public
 * regional endpoints Alibaba documents (ECS/VPC/NAS "<product>.<region>.aliyuncs.com", OSS
 * "oss-<region>.aliyuncs.com"). `ALIYUN_ENDPOINT_OVERRIDE=http://127.0.0.1:8090` sends every
 * product to one place: the emulator (`npm run aliyun-emulator`).
 */
export type AliyunProduct = "Ecs" | "Vpc" | "Nas";

/** RPC API versions the connector speaks (Alibaba OpenAPI `Version`). */
export const API_VERSIONS: Record<AliyunProduct, string> = {
  Ecs: "2014-05-26",
  Vpc: "2016-04-28",
  Nas: "2017-06-26",
};

export class AliyunEndpoints {
  /** @param override from the node's config (ALIYUN_ENDPOINT_OVERRIDE); undefined: Alibaba's endpoints. */
  constructor(private readonly override: string | undefined) {}

  /** Base URL for an RPC product in a region, e.g. `https://ecs.cn-hangzhou.aliyuncs.com`. */
  rpc(product: AliyunProduct, regionId: string): string {
    if (this.override) return this.override.replace(/\/$/, "");
    return `https://${product.toLowerCase()}.${regionId}.aliyuncs.com`;
  }

  /** OSS endpoint of a region (ali-oss `endpoint` option). */
  oss(regionId: string): string {
    if (this.override) return this.override.replace(/\/$/, "");
    return `https://oss-${regionId}.aliyuncs.com`;
  }

  /** True when calls go to an override (the emulator) rather than Alibaba Cloud. */
  get overridden(): boolean {
    return this.override !== undefined;
  }
}
