import { redactSecrets } from '../../core/log-redaction.js';
import type { Logger } from '../../core/logger.js';
import type { Redact } from '../../jobs/redact.js';

const LEVELS = { trace: 10, debug: 20, info: 30, warn: 40, error: 50, fatal: 60, silent: Infinity } as const;

/** Options of {@link consoleLogger}. */
export interface ConsoleLoggerOptions {
  /** LOG_LEVEL. Default `info`. */
  level?: keyof typeof LEVELS;
  /** Scrubs secret values from each line (as the Node logger does). Default: none. */
  redact?: Redact;
  /** Where lines go. Default: `console.log` (Workers Logs and `wrangler tail` collect it). */
  write?: (line: string) => void;
}

/**
 * The Workers logger: one JSON line per entry with pino's fields (`level`, `time`, `msg`), secret
 * keys and values redacted as on Node. pino's stream destinations need Node; this is its call shape.
 */
export function consoleLogger(options: ConsoleLoggerOptions = {}, bindings: object = { app: 'closeloop' }): Logger {
  const min = LEVELS[options.level ?? 'info'];
  const write = options.write ?? ((line: string) => console.log(line));
  const entry = (level: keyof typeof LEVELS) => (obj: object, msg?: string) => {
    if (LEVELS[level] < min) return;
    const fields = redactSecrets({ ...bindings, ...errorFields(obj) });
    const line = JSON.stringify({ level: LEVELS[level], time: Date.now(), ...fields, ...(msg === undefined ? {} : { msg }) });
    write(options.redact ? options.redact(line) : line);
  };
  return {
    debug: entry('debug'),
    info: entry('info'),
    warn: entry('warn'),
    error: entry('error'),
    child: (more) => consoleLogger(options, { ...bindings, ...more }),
  };
}

/** An `err` field as pino serialises it (an Error's own fields are not enumerable). */
function errorFields(obj: object): object {
  const err = (obj as { err?: unknown }).err;
  if (!(err instanceof Error)) return obj;
  return { ...obj, err: { type: err.name, message: err.message, stack: err.stack } };
}
