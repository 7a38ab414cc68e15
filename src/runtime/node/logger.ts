import { pino } from 'pino';
import type { Logger } from '../../core/logger.js';
import type { Redact } from '../../jobs/redact.js';
import { CENSOR, REDACT_PATHS, redactSecrets } from '../../core/log-redaction.js';

export { redactSecrets };

/**
 * Structured logs with pino: JSON lines, secrets redacted (by key, and with `redact` by value over
 * the whole line, whatever field or message a vendor's echo landed in); human-readable
 * (pino-pretty) in a terminal or with LOG_FORMAT=pretty.
 */
export function createLogger(options: { level: string; format?: 'json' | 'pretty'; destination?: pino.DestinationStream; redact?: Redact }): Logger {
  const pretty = options.format ? options.format === 'pretty' : process.stdout.isTTY === true;
  const redactValues = options.redact;
  const base = {
    level: options.level,
    redact: { paths: REDACT_PATHS, censor: CENSOR },
    formatters: { log: redactSecrets },
    base: { app: 'closeloop' },
    ...(redactValues ? { hooks: { streamWrite: redactValues } } : {}),
  };
  if (options.destination) return pino(base, options.destination);
  if (pretty) return pino({ ...base, transport: { target: 'pino-pretty', options: { colorize: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname,app' } } });
  // Lines are written 4 KB (or 200 ms) at a time rather than one write (a libuv thread-pool
  // round trip) per line; pino flushes what is left synchronously when the process exits.
  return pino(base, pino.destination({ sync: false, minLength: 4096, periodicFlush: 200 }));
}
