import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import { describe, expect, it } from 'vitest';

/** Every Markdown page users read: the README, CONTRIBUTING and docs/ (generated pages included). */
function pages(): string[] {
  const walk = (dir: string): string[] =>
    readdirSync(dir).flatMap((f) => {
      const path = join(dir, f);
      return statSync(path).isDirectory() ? walk(path) : path.endsWith('.md') ? [path] : [];
    });
  return ['README.md', 'CONTRIBUTING.md', ...walk('docs')];
}

/** GitHub's anchor for a heading: lowercase, punctuation dropped, spaces as dashes. */
function anchorOf(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N} _-]/gu, '')
    .replace(/ /g, '-');
}

function anchors(path: string): Set<string> {
  let fenced = false;
  const found = new Set<string>();
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    if (line.startsWith('```')) fenced = !fenced;
    const heading = !fenced && /^#{1,6} (.+)$/.exec(line);
    if (heading) found.add(anchorOf(heading[1]!));
  }
  return found;
}

/** Relative links outside code: `[text](target)`. */
function links(path: string): string[] {
  const text = readFileSync(path, 'utf8').replace(/```[\s\S]*?```/g, '').replace(/`[^`\n]*`/g, '');
  return [...text.matchAll(/\]\(([^)\s]+)\)/g)].map((m) => m[1]!).filter((t) => !/^[a-z]+:/.test(t));
}

describe('documentation links', () => {
  it('anchors are computed as GitHub does', () => {
    expect(anchorOf('Credentials, permissions, base URLs')).toBe('credentials-permissions-base-urls');
    expect(anchorOf('Generic JSON (`generic`)')).toBe('generic-json-generic');
  });

  it.each(pages())('every relative link of %s points at a file (and heading) that exists', (page) => {
    const broken: string[] = [];
    for (const target of links(page)) {
      const [file, anchor] = target.split('#') as [string, string | undefined];
      const resolved = file ? normalize(join(dirname(page), file)) : page;
      if (!existsSync(resolved)) broken.push(`${target} (no ${resolved})`);
      else if (anchor && resolved.endsWith('.md') && !anchors(resolved).has(anchor)) broken.push(`${target} (no heading #${anchor} in ${resolved})`);
    }
    expect(broken).toEqual([]);
  });
});
