import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { newUuid } from "./ids.ts";

/**
 * This management node's uuid, kept in `<dataDir>/node-uuid` so that a restarted node knows
 * which Running jobs were its own and takes them over at once.
 */
export function loadNodeUuid(dataDir: string): string {
  const file = join(dataDir, "node-uuid");
  if (existsSync(file)) return readFileSync(file, "utf8").trim();
  mkdirSync(dataDir, { recursive: true });
  const uuid = newUuid();
  writeFileSync(file, uuid);
  return uuid;
}
