import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import dotenv from 'dotenv';
import { describe, expect, it } from 'vitest';
import { HubError } from '../../src/core/errors.js';
import { dotenvProblems, loadDotenvFile } from '../../src/runtime/node/dotenv-file.js';

const MESSAGE = 'is not KEY=value (quote a value with spaces or #; start a comment with #)';

describe('.env lines', () => {
  it('accepts what dotenv reads: comments, blanks, export, quotes, multi-line quoted values, CRLF, KEY: value', () => {
    const text = '# c\n\nA=1\nexport B="two words" # note\nC=\'x\ny\'\r\nD: colon\nE=\nF=`tick`\n   G=indented\n';
    expect(dotenvProblems(text)).toEqual([]);
    expect(dotenv.parse(text)).toEqual({ A: '1', B: 'two words', C: 'x\ny', D: 'colon', E: '', F: 'tick', G: 'indented' });
  });

  it('names every line dotenv would skip', () => {
    expect(dotenvProblems('A=1\nB two\n=3\n"C"=4\nD=5\n-\n')).toEqual([
      { field: 'line 2', message: MESSAGE },
      { field: 'line 3', message: MESSAGE },
      { field: 'line 4', message: MESSAGE },
      { field: 'line 6', message: MESSAGE },
    ]);
  });

  it('fills only variables the environment does not set, and reads nothing from a file with a bad line', () => {
    const dir = mkdtempSync(join(tmpdir(), 'closeloop-dotenv-'));
    try {
      const file = join(dir, '.env');
      writeFileSync(file, 'PORT=9000\nHOST=127.0.0.1\n');
      const env: Record<string, string | undefined> = { PORT: '8080' };
      loadDotenvFile(env, file);
      expect(env).toEqual({ PORT: '8080', HOST: '127.0.0.1' });

      writeFileSync(file, 'PORT=9000\nSECRET hunter2\n');
      const untouched: Record<string, string | undefined> = {};
      const error = (() => {
        try {
          loadDotenvFile(untouched, file);
        } catch (e) {
          return e;
        }
      })();
      expect(error).toBeInstanceOf(HubError);
      expect((error as HubError).issues).toEqual([{ field: 'line 2', message: MESSAGE }]);
      expect(JSON.stringify(error) + (error as Error).message).not.toContain('hunter2');
      expect(untouched).toEqual({});
      expect(() => loadDotenvFile({}, join(dir, 'absent.env'))).not.toThrow();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
