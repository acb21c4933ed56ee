import { OpenApiGeneratorV3 } from "@asteasolutions/zod-to-openapi";
import type { Api } from "./api.ts";

/** The OpenAPI 3 document of every registered route, built from the validating schemas. */
export function buildOpenApiDocument(api: Api, version: string): object {
  return new OpenApiGeneratorV3(api.registry.definitions).generateDocument({
    openapi: "3.0.3",
    info: {
      title: "Strata management node API",
      version,
      description: "ZStack-compatible REST API of Strata. Conventions: README 'API overview'. " +
        "Errors: `{ error: { code, description, details } }` with ZStack codes (SYS.*, ID.*).",
    },
    servers: [{ url: "/" }],
  });
}
