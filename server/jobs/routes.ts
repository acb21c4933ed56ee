import { z } from "zod";
import type { Api } from "../http/api.ts";
import { UuidParams } from "../http/common-schemas.ts";
import type { JobService } from "./service.ts";

/** `GET /v1/api-jobs/{uuid}`: ZStack's polling of asynchronous API results. */
export function registerJobRoutes(api: Api, jobs: JobService): void {
  api.route({
    method: "get", path: "/api-jobs/{uuid}", apiName: "GetApiJob", tag: "api-jobs", access: "authenticated",
    summary: "Poll an asynchronous API call",
    description: "202 `{ jobUuid, state: Running }` while it runs; 200 with the API's result (`{ inventory }`) when it " +
      "succeeded; 503 `{ error }` when it failed. Results are kept api/job.resultRetentionSeconds (default 86400 s). " +
      "SYS.1003 (404) for an unknown or expired job.",
    params: UuidParams, response: z.object({ inventory: z.unknown() }).partial(),
    handler: (req) => jobs.poll(req.auth, req.params.uuid),
  });
}
