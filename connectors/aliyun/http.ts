import { z } from "zod";
import type { ApiRequest } from "../../server/http/api.ts";
import type { JobRequest } from "../../server/hosts/service.ts";

/** The job facts of a request (X-Job-UUID, X-Web-Hook, base URL) for JobService.submit. */
export const jobRequest = (apiName: string, req: ApiRequest<unknown, unknown, unknown>): JobRequest =>
  ({ apiName, jobUuid: req.jobUuid, webHook: req.webHook, baseUrl: req.baseUrl });

/** `?deleteMode=` of local deletes, as ZStack's SDK sends it. */
export const LocalDeleteQuery = z.object({ deleteMode: z.enum(["Permissive", "Enforcing"]).default("Permissive") }).strict();

/** The 202 reply of an async job, for OpenAPI. */
export const JobAccepted = z.object({ location: z.string().describe("Poll this URL (GET /v1/api-jobs/{uuid}) for the result") });
