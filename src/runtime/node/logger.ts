import { pino } from 'pino';
import type { Logger } from '../../core/logger.js';

/** Every secret-bearing field pino must never print, wherever it appears. */
export const REDACT_PATHS = [
  'token',
  'secret',
  'password',
  'authorization',
  '*.token',
  '*.secret',
  '*.password',
  '*.authorization',
  '*.headers.authorization',
  '*.headers["x-api-key"]',
  'err.config.headers',
  'err.request.headers',
];

/**
 * Structured logs with pino: JSON lines, secrets redacted; human-readable (pino-pretty) in a
 * terminal or with LOG_FORMAT=pretty.
 */
export function createLogger(options: { level: string; format?: 'json' | 'pretty'; destination?: pino.DestinationStream }): Logger {
  const pretty = options.format ? options.format === 'pretty' : process.stdout.isTTY === true;
  const base = { level: options.level, redact: { paths: REDACT_PATHS, censor: '[redacted]' }, base: { app: 'closeloop' } };
  if (options.destination) return pino(base, options.destination);
  if (pretty) return pino({ ...base, transport: { target: 'pino-pretty', options: { colorize: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname,app' } } });
  return pino(base, pino.destination({ sync: false }));
}
