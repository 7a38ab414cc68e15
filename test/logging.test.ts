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

  it('censor secret-named keys at any depth of plain data, in any letter case, without touching the logged objects', () => {
    const { lines, destination } = capture();
    const log = createLogger({ level: 'info', destination });
    const fields = {
      job: 'j-1',
      vendor: { auth: { Authorization: 'Basic dXNlcjpwYXNz', client: { client_secret: 'cs-1' } }, headers: [{ 'X-Api-Key': 'k-1' }, { accept: 'json' }] },
      count: 2,
    };
    const before = JSON.stringify(fields);
    log.info(fields, 'nested');
    expect(lines[0]).toMatchObject({
      job: 'j-1',
      count: 2,
      vendor: { auth: { Authorization: '[redacted]', client: { client_secret: '[redacted]' } }, headers: [{ 'X-Api-Key': '[redacted]' }, { accept: 'json' }] },
    });
    expect(JSON.stringify(fields)).toBe(before);
  });

  it("censor an error's own secret fields and its HTTP client's headers, and keep its message and stack", () => {
    const { lines, destination } = capture();
    const log = createLogger({ level: 'info', destination });
    const err = Object.assign(new Error('request failed with 401'), {
      token: 'xoxb-secret-2',
      config: { url: 'https://api.example.com', headers: { Authorization: 'Bearer live-1' } },
    });
    log.error({ err, job: 'j-2' }, 'attempt failed');
    const line = lines[0] as { err: Record<string, any> };
    expect(line.err.message).toBe('request failed with 401');
    expect(line.err.stack).toContain('request failed with 401');
    expect(line.err.token).toBe('[redacted]');
    expect(line.err.config).toEqual({ url: 'https://api.example.com', headers: '[redacted]' });
    expect(JSON.stringify(line)).not.toMatch(/xoxb-secret-2|live-1/);
    expect(err.token).toBe('xoxb-secret-2');
  });

  it('respect the level', () => {
    const { lines, destination } = capture();
    const log = createLogger({ level: 'warn', destination });
    log.info({}, 'quiet');
    log.warn({}, 'loud');
    expect(lines.map((l) => l.msg)).toEqual(['loud']);
  });
});
