import type { D1Database, D1PreparedStatement } from '@cloudflare/workers-types/latest/index.js';
import type { BatchOptions, SqlDriver } from '../../store/sql-driver.js';
import type { Statement } from '../../store/statement.js';

/**
 * The store's SQL over a D1 binding. Positional binds only (D1 refuses named ones); an atomic
 * write is `db.batch()` (D1 has no interactive transactions). Every D1 write is durable, so
 * {@link BatchOptions.durable} changes nothing here.
 */
export class D1Driver implements SqlDriver {
  constructor(private readonly db: D1Database) {}

  private prepare(statement: Statement): D1PreparedStatement {
    return this.db.prepare(statement.sql).bind(...statement.params.map(bindable));
  }

  async all<Row>(statement: Statement): Promise<Row[]> {
    return (await this.prepare(statement).all<Row>()).results;
  }

  async get<Row>(statement: Statement): Promise<Row | undefined> {
    return (await this.prepare(statement).first<Row>()) ?? undefined;
  }

  async run<Row = unknown>(statement: Statement, _options?: BatchOptions): Promise<Row[]> {
    // `all()` rather than `run()`: the rows of a RETURNING clause (D1's change counts include trigger writes).
    return (await this.prepare(statement).all<Row>()).results;
  }

  async batch(statements: Statement[], _options?: BatchOptions): Promise<unknown[][]> {
    if (!statements.length) return [];
    const results = await this.db.batch(statements.map((s) => this.prepare(s)));
    return results.map((r) => r.results ?? []);
  }

  async close(): Promise<void> {
    // A binding is not a connection: nothing to close.
  }
}

/** D1 binds null, numbers, strings and bytes: `undefined` is null, a boolean 1/0 (as better-sqlite3 refuses them, the store never passes one; kept safe). */
function bindable(value: unknown): unknown {
  if (value === undefined) return null;
  if (typeof value === 'boolean') return value ? 1 : 0;
  return value;
}
