import { z } from "zod";
import { createBody } from "../../../../server/http/common-schemas.ts";
import type { QuerySpec } from "../../../../server/query/spec.ts";

/**
 * Encryption algorithms: Alibaba's names (aes, aes192, aes256, des, 3des); ZStack's spellings
 * (aes-128, aes-192, aes-256) are accepted and stored as Alibaba's.
 */
export const EncAlg = z.enum(["aes", "aes192", "aes256", "des", "3des", "aes-128", "aes-192", "aes-256"])
  .transform((v) => ({ "aes-128": "aes", "aes-192": "aes192", "aes-256": "aes256" } as Record<string, string>)[v] ?? v);
/** Integrity algorithms (Alibaba IkeAuthAlg / IpsecAuthAlg). */
export const AuthAlg = z.enum(["md5", "sha1", "sha256", "sha384", "sha512"]);
/** Diffie-Hellman groups Alibaba offers for IKE. */
export const IkePfs = z.enum(["group1", "group2", "group5", "group14"]);
/** IPsec PFS: a DH group or disabled. */
export const IpsecPfs = z.enum(["disabled", "group1", "group2", "group5", "group14"]);
/** SA lifetime in seconds (ZStack 60–86400; Alibaba ≤ 86400). */
export const Lifetime = z.number().int().min(60).max(86_400);
/** A pre-shared key: 1–32 printable characters without spaces (ZStack ≤ 32, Alibaba no spaces). */
export const Psk = z.string().regex(/^[\x21-\x7e]{1,32}$/, "1–32 printable characters without spaces");

/** ZStack CreateVpnIkeConfigAction, defaults as ZStack's SDK has them. */
export const CreateIkeConfigBody = createBody(z.object({
  name: z.string().trim().min(1).max(64),
  psk: Psk,
  pfs: IkePfs.default("group1"),
  version: z.enum(["ikev1", "ikev2"]).default("ikev1"),
  mode: z.enum(["main", "aggressive"]).default("main"),
  encAlg: EncAlg.default("3des"),
  authAlg: AuthAlg.default("sha1"),
  lifetime: Lifetime.default(86_400),
  localIp: z.string().trim().min(1).max(100).describe("LocalId: the Alibaba end, usually the VPN gateway's public IP"),
  remoteIp: z.string().trim().min(1).max(100).describe("RemoteId: the on-premise end, usually the customer gateway's IP"),
  description: z.string().max(1024).optional(),
}));
/** Validated body of {@link CreateIkeConfigBody}. */
export type CreateIkeConfigInput = z.infer<typeof CreateIkeConfigBody>;

/** ZStack CreateVpnIpsecConfigAction. */
export const CreateIpsecConfigBody = createBody(z.object({
  name: z.string().trim().min(1).max(64),
  pfs: IpsecPfs.default("group1"),
  encAlg: EncAlg.default("3des"),
  authAlg: AuthAlg.default("sha1"),
  lifetime: Lifetime.default(86_400),
  description: z.string().max(1024).optional(),
}));
/** Validated body of {@link CreateIpsecConfigBody}. */
export type CreateIpsecConfigInput = z.infer<typeof CreateIpsecConfigBody>;

/** ZStack VpcVpnIkeConfigInventory, plus `aliyunIkeConfig`: the JSON Alibaba's CreateVpnConnection takes. */
export const VpcVpnIkeConfigInventory = z.object({
  uuid: z.string(), name: z.string(), psk: z.string(), version: z.string(), mode: z.string(),
  encodeAlgorithm: z.string(), authAlgorithm: z.string(), pfs: z.string(), lifetime: z.number().int().describe("seconds"),
  localIp: z.string().nullable(), remoteIp: z.string().nullable(), description: z.string().nullable(),
  aliyunIkeConfig: z.string().describe('e.g. {"Psk":"…","IkeVersion":"ikev1","IkeMode":"main","IkeEncAlg":"aes","IkeAuthAlg":"sha1","IkePfs":"group2","IkeLifetime":86400,"LocalId":"…","RemoteId":"…"}'),
  accountUuid: z.string(), createDate: z.string(), lastOpDate: z.string(),
});

/** ZStack VpcVpnIpSecConfigInventory, plus `aliyunIpsecConfig`. */
export const VpcVpnIpSecConfigInventory = z.object({
  uuid: z.string(), name: z.string(), encodeAlgorithm: z.string(), authAlgorithm: z.string(), pfs: z.string(),
  lifetime: z.number().int().describe("seconds"), description: z.string().nullable(),
  aliyunIpsecConfig: z.string().describe('e.g. {"IpsecEncAlg":"aes","IpsecAuthAlg":"sha1","IpsecPfs":"group2","IpsecLifetime":86400}'),
  accountUuid: z.string(), createDate: z.string(), lastOpDate: z.string(),
});

const common = { uuid: "string", name: "string", encodeAlgorithm: "string", authAlgorithm: "string", pfs: "string", lifetime: "number",
  description: "string", accountUuid: "string", createDate: "date", lastOpDate: "date" } as const;
const notNull = ["uuid", "name", "encodeAlgorithm", "authAlgorithm", "pfs", "lifetime", "accountUuid", "createDate", "lastOpDate"];

/** Fields a query of IKE configs may name (not the PSK). */
export const ikeConfigQuerySpec: QuerySpec = {
  resourceType: "VpcVpnIkeConfig",
  fields: { ...common, version: "string", mode: "string", localIp: "string", remoteIp: "string" },
  notNull: [...notNull, "version", "mode"],
};

/** Fields a query of IPsec configs may name. */
export const ipsecConfigQuerySpec: QuerySpec = { resourceType: "VpcVpnIpSecConfig", fields: { ...common }, notNull };
