/**
 * The caller of a request, resolved once by the authentication middleware.
 * A user (ZStack UserVO) acts with its account's ownership: resources it creates belong to
 * its account, and it sees what its account sees.
 */
export type AuthContext =
  | { kind: "anonymous"; isAdmin: false; reason: string }
  | {
      kind: "session" | "accessKey" | "system";
      accountUuid: string;
      accountName: string;
      /** SystemAdmin | Normal */
      accountType: string;
      userUuid?: string;
      sessionUuid?: string;
      isAdmin: boolean;
    };

/** An authenticated caller. */
export type Caller = Exclude<AuthContext, { kind: "anonymous" }>;

declare module "express-serve-static-core" {
  interface Request {
    /** Set by the authentication middleware on every request. */
    auth: AuthContext;
  }
}

/** Prisma `where` fragment limiting a query to what the caller may see (admin: all). */
export function ownedBy(caller: Caller): { accountUuid?: string } {
  return caller.isAdmin ? {} : { accountUuid: caller.accountUuid };
}
