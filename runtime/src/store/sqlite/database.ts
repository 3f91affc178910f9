// Promise wrapper over one `sqlite3` connection, with prepared statements cached by SQL text.
import sqlite3 from 'sqlite3';

export type Row = Record<string, unknown>;

export class Database {
  private readonly statements = new Map<string, sqlite3.Statement>();
  private readonly preparing = new Map<string, Promise<sqlite3.Statement>>();
  /** The texts of a statement's copies (`preparedCopies`), the statement's own first. */
  private readonly copyTexts = new Map<string, string[]>();

  private constructor(private readonly db: sqlite3.Database) {}

  static open(path: string, mode: number): Promise<Database> {
    return new Promise((resolve, reject) => {
      const db = new sqlite3.Database(path, mode, (error) => (error ? reject(error) : resolve(new Database(db))));
    });
  }

  exec(sql: string): Promise<void> {
    return new Promise((resolve, reject) => this.db.exec(sql, (error) => (error ? reject(error) : resolve())));
  }

  run(sql: string, params: unknown[] = []): Promise<number> {
    const statement = this.statements.get(sql);
    return statement ? this.runPrepared(statement, params) : this.prepare(sql).then((prepared) => this.runPrepared(prepared, params));
  }

  all<T = Row>(sql: string, params: unknown[] = []): Promise<T[]> {
    const statement = this.statements.get(sql);
    return statement ? this.allOn<T>(statement, params) : this.prepare(sql).then((prepared) => this.allOn<T>(prepared, params));
  }

  /** The statement for this SQL, prepared once. */
  private prepared(sql: string): Promise<sqlite3.Statement> {
    const statement = this.statements.get(sql);
    return statement ? Promise.resolve(statement) : this.prepare(sql);
  }

  /**
   * `count` statements for this SQL, each prepared once: runs handed to different ones are not
   * kept in order, and each goes to SQLite's threads without waiting for the others' results.
   */
  preparedCopies(sql: string, count: number): Promise<sqlite3.Statement[]> {
    let texts = this.copyTexts.get(sql) ?? [sql];
    if (texts.length < count) {
      // A trailing comment makes each copy's text, and so its cache entry, its own.
      texts = [...texts];
      while (texts.length < count) texts.push(`${sql}\n-- copy ${texts.length}`);
      this.copyTexts.set(sql, texts);
    }
    return Promise.all(texts.slice(0, count).map((text) => this.prepared(text)));
  }

  /** Runs after the runs already handed to this statement (`sqlite3` keeps them in order). */
  runPrepared(statement: sqlite3.Statement, params: unknown[]): Promise<number> {
    return new Promise((resolve, reject) =>
      statement.run(params, function (this: sqlite3.RunResult, error: Error | null) {
        if (error) reject(error);
        else resolve(this.changes);
      }),
    );
  }

  private allOn<T>(statement: sqlite3.Statement, params: unknown[]): Promise<T[]> {
    return new Promise((resolve, reject) =>
      statement.all(params, (error: Error | null, rows: T[]) => (error ? reject(error) : resolve(rows))),
    );
  }

  async get<T = Row>(sql: string, params: unknown[] = []): Promise<T | undefined> {
    const rows = await this.all<T>(sql, params);
    return rows[0];
  }

  async close(): Promise<void> {
    for (const statement of this.statements.values()) {
      await new Promise<void>((resolve) => statement.finalize(() => resolve()));
    }
    this.statements.clear();
    await new Promise<void>((resolve, reject) => this.db.close((error) => (error ? reject(error) : resolve())));
  }

  /**
   * Prepared once per SQL text, on first use. The first call waits for the prepare: a statement
   * that fails to prepare (a disk I/O error, a missing table) rejects that call, where sqlite3
   * would otherwise never answer the queued call and emit an 'error' event nobody hears, which
   * ends the process. A failed statement is not kept: the next call prepares it again.
   */
  private prepare(sql: string): Promise<sqlite3.Statement> {
    let pending = this.preparing.get(sql);
    if (!pending) {
      pending = new Promise<sqlite3.Statement>((resolve, reject) => {
        const statement = this.db.prepare(sql, (error: Error | null) => {
          this.preparing.delete(sql);
          if (error) return reject(error);
          this.statements.set(sql, statement);
          resolve(statement);
        });
      });
      this.preparing.set(sql, pending);
    }
    return pending;
  }
}

export const OPEN_READ_WRITE = sqlite3.OPEN_READWRITE | sqlite3.OPEN_CREATE | sqlite3.OPEN_FULLMUTEX;
export const OPEN_READ_ONLY = sqlite3.OPEN_READONLY | sqlite3.OPEN_FULLMUTEX;
