import { z } from "zod";
import { Uuid } from "../../../../server/http/common-schemas.ts";

/**
 * ZStack AddAliyunNasPrimaryStorageAction `params`. `url` is the directory on the file system the
 * storage uses: `/` or `/strata`, or `<mountDomain>:/path` to pick the mount target.
 */
export const AddAliyunNasPrimaryStorageBody = z.object({
  params: z.object({
    nasUuid: Uuid.describe("The AliyunNasFileSystem"),
    accessGroupUuid: Uuid.describe("Access group of the mount target the hosts use; its rules must admit them"),
    vSwitchUuid: Uuid.optional().describe("Picks among mount targets in several VSwitches"),
    url: z.string().trim().min(1).max(2048).regex(/^([A-Za-z0-9.-]+:)?\/[^\0]*$/, "/path or <mountDomain>:/path")
      .refine((s) => !/(^|\/)\.\.(\/|$)/.test(s), "must not contain '..'"),
    name: z.string().trim().min(1).max(255),
    description: z.string().max(2048).optional(),
    type: z.literal("AliyunNAS").optional(),
    zoneUuid: Uuid,
    resourceUuid: Uuid.optional(),
  }).strict(),
  systemTags: z.array(z.string()).max(100).optional(),
  userTags: z.array(z.string()).max(100).optional(),
}).strict();
/** Validated body of {@link AddAliyunNasPrimaryStorageBody}. */
export type AddAliyunNasPrimaryStorageInput = z.infer<typeof AddAliyunNasPrimaryStorageBody>;
