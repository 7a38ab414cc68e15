/**
 * SOQL has no bind parameters over REST, so values are written as literals. jsforce's query
 * builder (`sobject().find({ Email })`, 3.10.16) escapes `'` but not `\`: the input `x\'`
 * becomes `'x\\''`, where `\\` is a backslash and the next `'` ends the string — the rest of
 * the input is then read as SOQL. So values go through {@link soqlString}, which escapes every
 * sequence Salesforce defines (backslash first), and field names are validated identifiers.
 */
const ESCAPES: Record<string, string> = {
  '\\': '\\\\',
  "'": "\\'",
  '"': '\\"',
  '\n': '\\n',
  '\r': '\\r',
  '\t': '\\t',
  '\b': '\\b',
  '\f': '\\f',
};

/** A SOQL string literal holding exactly `value`. */
export function soqlString(value: string): string {
  return `'${value.replace(/[\\'"\n\r\t\b\f]/g, (c) => ESCAPES[c]!)}'`;
}

/** A field path as SOQL accepts it: `Name`, `Plan__c`, `Account.Owner.Email`. */
export const SOQL_FIELD = /^[A-Za-z][A-Za-z0-9_]{0,79}(\.[A-Za-z][A-Za-z0-9_]{0,79}){0,4}$/;

/** A Salesforce record id (15 or 18 characters). */
export const SALESFORCE_ID = /^[A-Za-z0-9]{15}(?:[A-Za-z0-9]{3})?$/;

/** `SELECT a, b FROM Object WHERE Field = '<literal>' …`: fields must match {@link SOQL_FIELD}. */
export function selectWhereEquals(object: string, fields: readonly string[], field: string, value: string, tail = 'LIMIT 1'): string {
  for (const f of [object, field, ...fields]) {
    if (!SOQL_FIELD.test(f)) throw new Error(`not a SOQL field name: ${f}`);
  }
  return `SELECT ${[...new Set(fields)].join(', ')} FROM ${object} WHERE ${field} = ${soqlString(value)} ${tail}`.trim();
}
