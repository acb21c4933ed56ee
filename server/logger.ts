import { pino, type Logger } from "pino";

/** Creates the structured JSON logger (pino). Child loggers carry a request id per request. */
export function createLogger(level: string): Logger {
  return pino({
    level,
    base: { service: "strata" },
    redact: {
      paths: ["password", "*.password", "*.*.password", "secret", "*.secret", "req.headers.authorization"],
      censor: "***",
    },
  });
}

export type { Logger };
