import { hash, verify } from "@node-rs/argon2";

/** Hashes a password with Argon2id (library defaults: 19 MiB memory, 2 passes). */
export function hashPassword(password: string): Promise<string> {
  return hash(password);
}

// Verifying against a real hash for unknown names keeps login time the same whether or not
// the name exists, so response time does not reveal account names.
let dummyHash: Promise<string> | undefined;

/** True when `password` matches `passwordHash`; with no hash, spends the same time and fails. */
export async function verifyPassword(passwordHash: string | undefined, password: string): Promise<boolean> {
  if (!passwordHash) {
    dummyHash ??= hash("strata-dummy-password");
    await verify(await dummyHash, password).catch(() => false);
    return false;
  }
  return verify(passwordHash, password).catch(() => false);
}
