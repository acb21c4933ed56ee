import { randomUUID } from "node:crypto";

/** A new resource uuid in ZStack's form: 32 lowercase hex characters, no dashes. */
export function newUuid(): string {
  return randomUUID().replaceAll("-", "");
}

/** True when `s` has the form of a resource uuid (32 hex characters). */
export function isUuid(s: string): boolean {
  return /^[0-9a-f]{32}$/.test(s);
}
