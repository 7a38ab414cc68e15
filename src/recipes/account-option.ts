import { HubError, type FieldIssue } from '../core/errors.js';
import { emptyEnrichment, type Account } from '../core/account.js';
import { AccountShape, unwrapSchema } from './context-shape.js';

/**
 * The account a dry run (`closeloop try --account plan=pro,tier=gold,arr=120000`) plans with:
 * comma-separated `field=value` pairs over an empty account, each field checked against
 * {@link AccountShape} (`owner.name=…` for the owner, `custom.<property>=…` for configured
 * properties). Numbers are read as numbers. Throws a 422 {@link HubError} naming every unknown
 * field or bad value.
 */
export function parseAccountOption(text: string): Account {
  const account = emptyEnrichment().account;
  const issues: FieldIssue[] = [];
  const known = Object.keys(AccountShape.shape).filter((k) => k !== 'custom' && k !== 'owner');
  const fields = AccountShape.shape as Record<string, unknown>;
  for (const pair of text.split(',').map((p) => p.trim()).filter(Boolean)) {
    const eq = pair.indexOf('=');
    if (eq <= 0) {
      issues.push({ field: pair, message: 'must be field=value' });
      continue;
    }
    const key = pair.slice(0, eq).trim();
    const raw = pair.slice(eq + 1).trim();
    const [head, sub, ...deeper] = key.split('.');
    if (head === 'custom' && sub && !deeper.length) {
      account.custom[sub] = raw;
    } else if (head === 'owner' && sub && !deeper.length && Object.hasOwn(AccountShape.shape.owner.shape, sub)) {
      (account.owner as Record<string, string>)[sub] = raw;
    } else if (!sub && known.includes(head!)) {
      const isNumber = unwrapSchema(fields[head!] as never).type === 'number';
      const value = isNumber ? Number(raw) : raw;
      if (isNumber && (raw === '' || !Number.isFinite(value))) issues.push({ field: key, message: 'must be a number' });
      else (account as unknown as Record<string, unknown>)[head!] = value;
    } else {
      issues.push({ field: key, message: `unknown account field; known: ${[...known, 'owner.id', 'owner.name', 'owner.email', 'custom.<property>'].join(', ')}` });
    }
  }
  if (issues.length) {
    throw new HubError(422, 'invalid_arguments', 'Invalid --account:', issues.map((i) => ({ ...i, field: `--account ${i.field}` })));
  }
  return AccountShape.parse(account) as Account;
}
