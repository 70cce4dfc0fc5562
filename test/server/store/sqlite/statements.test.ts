/**
 * The SQLite adapter hides every parameter's value from the query planner (server/store/sqlite/
 * statements.ts explains why: otherwise better-sqlite3 re-prepares such statements on every run).
 */
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { migrate } from '../../../../server/store/sqlite/migrations.js';
import { hideParameterValues, prepareStatements } from '../../../../server/store/sqlite/statements.js';

/** A parameter with nothing in front of it but an operator, a comma or a parenthesis. */
const BARE = /(^|[^+\w@:$])(\?\d*|[@:$][A-Za-z_]\w*)/;

describe('SQLite statements', () => {
  it('put every parameter behind a unary plus, and leave string literals and plussed ones alone', () => {
    expect(
      hideParameterValues("SELECT a FROM t WHERE x = ? AND y = @name AND z = 'it''s ? @x' LIMIT +?"),
    ).toBe("SELECT a FROM t WHERE x = +? AND y = +@name AND z = 'it''s ? @x' LIMIT +?");
    expect(hideParameterValues('INSERT INTO t (a, b) VALUES (?1, :b) RETURNING $c')).toBe(
      'INSERT INTO t (a, b) VALUES (+?1, +:b) RETURNING +$c',
    );
  });

  it('prepare no statement with a parameter whose value the planner could read', () => {
    const db = new Database(':memory:');
    try {
      migrate(db);
      const statements = Object.values(prepareStatements(db));
      expect(statements.length).toBeGreaterThan(30);
      for (const statement of statements) {
        const outsideLiterals = statement.source.replace(/'(?:[^']|'')*'/g, "''");
        expect(outsideLiterals, statement.source).not.toMatch(BARE);
      }
    } finally {
      db.close();
    }
  });

  it('still find rows through the index a plain parameter would use', () => {
    const db = new Database(':memory:');
    try {
      db.exec(
        'CREATE TABLE t (id INTEGER PRIMARY KEY, pair TEXT NOT NULL); CREATE INDEX t_pair ON t(pair, id)',
      );
      const sql = hideParameterValues('SELECT id FROM t WHERE pair = ? ORDER BY id DESC LIMIT ?');
      const plan = db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all('a', 1) as { detail: string }[];
      expect(plan.map((row) => row.detail).join(' ')).toContain('USING COVERING INDEX t_pair (pair=?)');
      db.prepare('INSERT INTO t (pair) VALUES (?)').run('a');
      db.prepare('INSERT INTO t (pair) VALUES (?)').run('b');
      expect(db.prepare(sql).pluck().all('a', 5)).toEqual([1]);
    } finally {
      db.close();
    }
  });
});
