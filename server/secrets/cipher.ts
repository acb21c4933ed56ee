import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/**
 * Encrypts secrets kept at rest (access-key secrets; later SSH credentials and Alibaba
 * AccessKey secrets) with AES-256-GCM. Format: `v1:<iv b64>:<tag b64>:<ciphertext b64>`.
 */
export class SecretCipher {
  constructor(private readonly key: Buffer) {
    if (key.length !== 32) throw new Error("secret key must be 32 bytes");
  }

  /**
   * Uses STRATA_SECRET_KEY (64 hex chars) when given; otherwise `<dataDir>/secret.key`,
   * created with mode 0600 on first start. Every management node sharing a database must use
   * the same key.
   */
  static load(dataDir: string, hexKey?: string): SecretCipher {
    if (hexKey) return new SecretCipher(Buffer.from(hexKey, "hex"));
    const file = join(dataDir, "secret.key");
    if (!existsSync(file)) {
      mkdirSync(dataDir, { recursive: true });
      writeFileSync(file, randomBytes(32).toString("hex"), { mode: 0o600, flag: "wx" });
    }
    return new SecretCipher(Buffer.from(readFileSync(file, "utf8").trim(), "hex"));
  }

  encrypt(plain: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv("aes-256-gcm", this.key, iv);
    const data = Buffer.concat([cipher.update(plain, "utf8"), cipher.final()]);
    return ["v1", iv.toString("base64"), cipher.getAuthTag().toString("base64"), data.toString("base64")].join(":");
  }

  /** @throws Error when the value was not encrypted with this key. */
  decrypt(sealed: string): string {
    const [v, iv, tag, data] = sealed.split(":");
    if (v !== "v1" || !iv || !tag || data === undefined) throw new Error("not a sealed secret");
    const decipher = createDecipheriv("aes-256-gcm", this.key, Buffer.from(iv, "base64"));
    decipher.setAuthTag(Buffer.from(tag, "base64"));
    return Buffer.concat([decipher.update(Buffer.from(data, "base64")), decipher.final()]).toString("utf8");
  }
}
