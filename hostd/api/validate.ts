/**
 * Request-body validation shared by hostd's route files.
 */
import { z } from "zod";
import { HostdError } from "../errors.ts";

/**
 * Parses `body` with `schema`.
 * @throws HostdError BAD_REQUEST naming each offending field, e.g. "cpuNum: Too small: expected number to be >=1".
 */
export function parseBody<S extends z.ZodType>(schema: S, body: unknown): z.infer<S> {
  const result = schema.safeParse(body ?? {});
  if (result.success) return result.data;
  const detail = result.error.issues.map((i) => `${i.path.join(".") || "body"}: ${i.message}`).join("; ");
  throw new HostdError("BAD_REQUEST", `invalid request: ${detail}`);
}

/** Optional fields that make a command run as a background task (see tasks.ts). */
export const AsyncFieldsSchema = {
  /** Caller-chosen id of this command; repeats of the same id are not run twice. */
  taskUuid: z.string().min(1).max(128).optional(),
  /** Where to POST the TaskCallback when the command ends (http/https URL). */
  callbackUrl: z.url({ protocol: /^https?$/ }).optional(),
};
