import type { ZodType, z } from "zod";
import { Errors } from "../errors/catalogue.ts";

/**
 * Validates `value` against `schema` and returns the parsed value.
 * @throws ApiError SYS.1007 (400) naming every offending field, e.g.
 *   `body.params.name: Too small: expected string to have >=1 characters`.
 */
export function parseWith<S extends ZodType>(schema: S, value: unknown, where: string): z.infer<S> {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const problems = r.error.issues.map((i) => {
    const path = [where, ...i.path.map(String)].join(".");
    return `${path}: ${i.message}`;
  });
  throw Errors.invalidArgument("Invalid request: fix the listed fields and send it again", problems.join("; "));
}
