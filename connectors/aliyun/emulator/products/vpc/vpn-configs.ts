import { randomBytes } from "node:crypto";
import { Errors } from "../../core/errors.ts";
import type { IkeConfig, IpsecConfig } from "./tables.ts";

/*
 * IKE (phase one) and IPsec (phase two) settings of a VPN connection. CreateVpnConnection and
 * ModifyVpnConnectionAttribute take them as JSON strings; DescribeVpnConnection(s) return objects.
 * Allowed values and defaults are CreateVpnConnection's documented ones.
 */

const IKE_VERSIONS = ["ikev1", "ikev2"];
const IKE_MODES = ["main", "aggressive"];
const ENC_ALGS = ["aes", "aes192", "aes256", "des", "3des"];
const AUTH_ALGS = ["md5", "sha1", "sha256", "sha384", "sha512"];
const DH_GROUPS = ["group1", "group2", "group5", "group14"];
const MAX_LIFETIME = 86_400;
const MAX_ID_LENGTH = 100;

/** A pre-shared key as Alibaba generates one when the caller gives none: 16 letters and digits. */
export function generatePsk(): string {
  const alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnpqrstuvwxyz23456789";
  return [...randomBytes(16)].map((b) => alphabet[b % alphabet.length]).join("");
}

function parseObject(param: string, text: string | undefined): Record<string, unknown> {
  if (text === undefined || text === "") return {};
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    throw Errors.invalidParameter(param, "is not a JSON object");
  }
  if (!v || typeof v !== "object" || Array.isArray(v)) throw Errors.invalidParameter(param, "is not a JSON object");
  return v as Record<string, unknown>;
}

function pick(param: string, o: Record<string, unknown>, key: string, allowed: string[], current: string): string {
  const v = o[key];
  if (v === undefined || v === "") return current;
  if (typeof v !== "string" || !allowed.includes(v)) throw Errors.invalidParameter(`${param}.${key}`, `must be one of ${allowed.join(", ")}`);
  return v;
}

function lifetime(param: string, o: Record<string, unknown>, key: string, current: number): number {
  const v = o[key];
  if (v === undefined || v === "") return current;
  const n = typeof v === "number" ? v : typeof v === "string" && /^\d+$/.test(v) ? Number(v) : NaN;
  if (!Number.isInteger(n) || n < 0 || n > MAX_LIFETIME) throw Errors.invalidParameter(`${param}.${key}`, `must be an integer from 0 to ${MAX_LIFETIME}`);
  return n;
}

function text(param: string, o: Record<string, unknown>, key: string, current: string): string {
  const v = o[key];
  if (v === undefined || v === "") return current;
  if (typeof v !== "string" || v.length > MAX_ID_LENGTH || /\s/.test(v)) throw Errors.invalidParameter(`${param}.${key}`, `must be at most ${MAX_ID_LENGTH} characters without spaces`);
  return v;
}

/**
 * The IKE settings from an `IkeConfig` JSON string, over `base` (the defaults on create, the
 * current settings on modify).
 * @throws InvalidParameter naming the field (e.g. `IkeConfig.IkeEncAlg`) when a value is outside Alibaba's set.
 */
export function parseIkeConfig(json: string | undefined, base: IkeConfig): IkeConfig {
  const o = parseObject("IkeConfig", json);
  const p = "IkeConfig";
  const version = pick(p, o, "IkeVersion", IKE_VERSIONS, base.IkeVersion);
  const mode = pick(p, o, "IkeMode", IKE_MODES, base.IkeMode);
  return {
    Psk: text(p, o, "Psk", base.Psk),
    IkeVersion: version,
    // IKEv2 has no aggressive mode; Alibaba keeps "main" for it.
    IkeMode: version === "ikev2" ? "main" : mode,
    IkeEncAlg: pick(p, o, "IkeEncAlg", ENC_ALGS, base.IkeEncAlg),
    IkeAuthAlg: pick(p, o, "IkeAuthAlg", AUTH_ALGS, base.IkeAuthAlg),
    IkePfs: pick(p, o, "IkePfs", DH_GROUPS, base.IkePfs),
    IkeLifetime: lifetime(p, o, "IkeLifetime", base.IkeLifetime),
    LocalId: text(p, o, "LocalId", base.LocalId),
    RemoteId: text(p, o, "RemoteId", base.RemoteId),
  };
}

/**
 * The IPsec settings from an `IpsecConfig` JSON string, over `base`. IpsecPfs also takes `disabled`.
 * @throws InvalidParameter naming the field (e.g. `IpsecConfig.IpsecPfs`).
 */
export function parseIpsecConfig(json: string | undefined, base: IpsecConfig): IpsecConfig {
  const o = parseObject("IpsecConfig", json);
  const p = "IpsecConfig";
  return {
    IpsecEncAlg: pick(p, o, "IpsecEncAlg", ENC_ALGS, base.IpsecEncAlg),
    IpsecAuthAlg: pick(p, o, "IpsecAuthAlg", AUTH_ALGS, base.IpsecAuthAlg),
    IpsecPfs: pick(p, o, "IpsecPfs", ["disabled", ...DH_GROUPS], base.IpsecPfs),
    IpsecLifetime: lifetime(p, o, "IpsecLifetime", base.IpsecLifetime),
  };
}

/** CreateVpnConnection's IKE defaults; the ids default to the two ends' public addresses. */
export function defaultIkeConfig(localId: string, remoteId: string): IkeConfig {
  return {
    Psk: generatePsk(), IkeVersion: "ikev1", IkeMode: "main", IkeEncAlg: "aes", IkeAuthAlg: "sha1", IkePfs: "group2",
    IkeLifetime: MAX_LIFETIME, LocalId: localId, RemoteId: remoteId,
  };
}

/** CreateVpnConnection's IPsec defaults. */
export const DEFAULT_IPSEC_CONFIG: Readonly<IpsecConfig> = { IpsecEncAlg: "aes", IpsecAuthAlg: "sha1", IpsecPfs: "group2", IpsecLifetime: MAX_LIFETIME };
