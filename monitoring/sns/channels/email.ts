/**
 * Email driver (ZStack SNSEmailEndpoint), sent with nodemailer over SMTP.
 *
 * security: `ssl` (TLS from the first byte, usually port 465), `starttls` (upgrade required,
 * usually 587), `none` (plain SMTP, no upgrade attempted). An SMTP 4xx reply or a connection
 * failure is retried; a 5xx reply is a permanent failure.
 */
import nodemailer from "nodemailer";
import { shorten, type SendResult, type SnsMessage } from "./types.ts";

/** Settings of an email endpoint (SMTP server per endpoint, or the sns/smtp.* global configs). */
export interface EmailTarget {
  to: string;
  from: string;
  host: string;
  port: number;
  security: "none" | "starttls" | "ssl";
  username?: string;
  password?: string;
}

/** Sends one message; never throws. */
export async function sendEmail(t: EmailTarget, msg: SnsMessage, timeoutMs: number): Promise<SendResult> {
  if (!t.host) return { ok: false, retryable: false, error: "no SMTP server: set smtpHost on the endpoint or the sns/smtp.host global config" };
  const transport = nodemailer.createTransport({
    host: t.host, port: t.port, secure: t.security === "ssl", requireTLS: t.security === "starttls", ignoreTLS: t.security === "none",
    auth: t.username ? { user: t.username, pass: t.password ?? "" } : undefined,
    connectionTimeout: timeoutMs, greetingTimeout: timeoutMs, socketTimeout: timeoutMs,
  });
  try {
    const info = await transport.sendMail({ from: t.from, to: t.to, subject: shorten(msg.subject, 200), text: shorten(msg.text, 100_000) });
    return { ok: true, retryable: false, response: String(info.response ?? "") };
  } catch (err) {
    const e = err as Error & { responseCode?: number; response?: string };
    const code = e.responseCode;
    return { ok: false, retryable: code === undefined || (code >= 400 && code < 500), response: e.response, error: e.message };
  } finally {
    transport.close();
  }
}
