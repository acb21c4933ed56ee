import { randomBytes } from "node:crypto";

/** An AccessKey the emulator accepts, and the account whose resources it reaches. */
export interface EmulatorAccessKey {
  accessKeyId: string;
  accessKeySecret: string;
  /** Alibaba account (UID, 16 digits) owning the key. */
  accountId: string;
}

/**
 * The AccessKeys the emulator knows. From `ALIYUN_EMULATOR_ACCESS_KEYS=id:secret[:accountId][,...]`;
 * keys without an account id each get their own account, so two keys never see each other's
 * resources unless configured to.
 */
export class EmulatorAccessKeys {
  private readonly keys = new Map<string, EmulatorAccessKey>();

  /** Parses the env var form. @throws Error on a malformed entry. */
  static parse(spec: string | undefined): EmulatorAccessKeys {
    const keys = new EmulatorAccessKeys();
    for (const entry of (spec ?? "").split(",").map((s) => s.trim()).filter(Boolean)) {
      const [id, secret, accountId] = entry.split(":");
      if (!id || !secret) throw new Error(`ALIYUN_EMULATOR_ACCESS_KEYS entry "${entry}" is not id:secret[:accountId]`);
      keys.add({ accessKeyId: id, accessKeySecret: secret, accountId: accountId || accountIdFor(id) });
    }
    return keys;
  }

  add(key: EmulatorAccessKey): void {
    this.keys.set(key.accessKeyId, key);
  }

  /** Creates a random key (LTAI-prefixed, as Alibaba's), for a new account unless one is given. */
  generate(accountId?: string): EmulatorAccessKey {
    const id = `LTAI5t${randomBytes(9).toString("base64url").replace(/[-_]/g, "x")}`;
    const key = { accessKeyId: id, accessKeySecret: randomBytes(22).toString("base64url").slice(0, 30), accountId: accountId ?? accountIdFor(id) };
    this.add(key);
    return key;
  }

  lookup(accessKeyId: string): EmulatorAccessKey | undefined {
    return this.keys.get(accessKeyId);
  }

  all(): EmulatorAccessKey[] {
    return [...this.keys.values()];
  }
}

/** A stable 16-digit account id derived from a key id. */
function accountIdFor(accessKeyId: string): string {
  let h = 1469598103934665603n;
  for (const c of accessKeyId) h = ((h ^ BigInt(c.charCodeAt(0))) * 1099511628211n) % 10n ** 16n;
  return h.toString().padStart(16, "1");
}
