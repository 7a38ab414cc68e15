import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../src/runtime/node/logger.js';

function capture() {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk, _enc, done) {
      for (const line of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(line));
      done();
    },
  });
  return { lines, destination };
}

describe('logs', () => {
  it('are JSON lines with secrets redacted wherever they sit', () => {
    const { lines, destination } = capture();
    const log = createLogger({ level: 'info', destination });
    log.info({ token: 'xoxb-secret-1', request: { headers: { authorization: 'Bearer abc' } }, config: { secret: 's3' }, score: 3 }, 'hello');
    expect(lines).toHaveLength(1);
    const line = lines[0]!;
    expect(line.msg).toBe('hello');
    expect(line.score).toBe(3);
    expect(line.token).toBe('[redacted]');
    expect((line.request as any).headers.authorization).toBe('[redacted]');
    expect((line.config as any).secret).toBe('[redacted]');
    expect(JSON.stringify(line)).not.toMatch(/xoxb-secret-1|Bearer abc|s3"/);
  });

  it('respect the level', () => {
    const { lines, destination } = capture();
    const log = createLogger({ level: 'warn', destination });
    log.info({}, 'quiet');
    log.warn({}, 'loud');
    expect(lines.map((l) => l.msg)).toEqual(['loud']);
  });
});
