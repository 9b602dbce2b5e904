import { describe, expect, it } from 'vitest';
import { bindParameters, prepareQuery, QuerySyntaxError } from './named-params.js';

describe('named parameters in configured SQL', () => {
  it('turns :name into the dialect placeholder, one per occurrence', () => {
    const sql = 'SELECT * FROM t WHERE a = :a AND b > :b OR a = :a';
    expect(prepareQuery(sql, 'postgres')).toEqual({
      text: 'SELECT * FROM t WHERE a = $1 AND b > $2 OR a = $3',
      parameters: [
        { name: 'a', prefix: '', suffix: '' },
        { name: 'b', prefix: '', suffix: '' },
        { name: 'a', prefix: '', suffix: '' },
      ],
    });
    expect(prepareQuery(sql, 'mysql').text).toBe('SELECT * FROM t WHERE a = ? AND b > ? OR a = ?');
  });

  it('leaves strings, quoted names, comments, casts and dollar quotes alone', () => {
    const sql = [
      'SELECT \':no\', "col:no", x::text, `b:no`',
      'FROM t -- :no in a comment',
      "/* :no */ WHERE y = :yes AND z = 'it''s :no' AND w = $tag$ :no $tag$",
    ].join('\n');
    const prepared = prepareQuery(sql, 'postgres');
    expect(prepared.parameters.map((p) => p.name)).toEqual(['yes']);
    expect(prepared.text).toContain("'it''s :no'");
    expect(prepared.text).toContain('x::text');
    expect(prepared.text).toContain('y = $1');
  });

  it('knows MySQL backslash escapes and # comments', () => {
    const prepared = prepareQuery("SELECT 'a\\' :no' FROM t # :no\nWHERE id = :id", 'mysql');
    expect(prepared.parameters.map((p) => p.name)).toEqual(['id']);
  });

  it("reads Fusio's {name} and {%name%} forms", () => {
    const prepared = prepareQuery('SELECT * FROM t WHERE title LIKE {%q%} AND id = {id}', 'sqlite');
    expect(prepared.text).toBe('SELECT * FROM t WHERE title LIKE ? AND id = ?');
    expect(bindParameters(prepared.parameters, (n) => (n === 'q' ? "it's" : 5))).toEqual(["%it's%", 5]);
  });

  it('binds missing values as NULL and never touches the text', () => {
    const prepared = prepareQuery('SELECT :a, :b', 'postgres');
    expect(bindParameters(prepared.parameters, (n) => (n === 'a' ? "'; DROP TABLE t; --" : undefined))).toEqual([
      "'; DROP TABLE t; --",
      null,
    ]);
    expect(prepared.text).toBe('SELECT $1, $2');
  });

  it('refuses positional placeholders and unterminated quotes', () => {
    expect(() => prepareQuery('SELECT * FROM t WHERE id = ?', 'mysql')).toThrow(QuerySyntaxError);
    expect(() => prepareQuery('SELECT * FROM t WHERE id = $1', 'postgres')).toThrow(QuerySyntaxError);
    expect(() => prepareQuery("SELECT 'open", 'postgres')).toThrow(/unterminated/);
    expect(() => prepareQuery('SELECT 1 /* open', 'sqlite')).toThrow(/unterminated/);
    // PostgreSQL's jsonb ? operator is not a placeholder there
    expect(prepareQuery("SELECT data ? 'key' FROM t", 'postgres').parameters).toEqual([]);
  });
});
