import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CQL_FILE } from './cassandra.ts';
import { keyspaceCql, servingCql } from './cql.ts';

/** table → columns, from the CREATE TABLE statements of cassandra.cql */
function tablesOfSchema(): Map<string, Set<string>> {
  const text = fs.readFileSync(CQL_FILE, 'utf8').replace(/--.*$/gm, '');
  const tables = new Map<string, Set<string>>();
  for (const m of text.matchAll(/CREATE TABLE IF NOT EXISTS \{keyspace\}\.(\w+) \(([\s\S]*?)\)\s*(?:WITH[^;]*)?;/g)) {
    const columns = new Set<string>();
    for (const line of m[2]!.split('\n')) {
      const column = /^\s*(\w+)\s+\w/.exec(line)?.[1];
      if (column && column !== 'PRIMARY') columns.add(column);
    }
    tables.set(m[1]!, columns);
  }
  return tables;
}

/** The table and the column names a statement uses (SELECT list, SET, WHERE, INSERT list). */
function namesOf(statement: string): { table: string; columns: string[] } {
  const table = /(?:FROM|INTO|UPDATE)\s+(?:\w+\.)?(\w+)/.exec(statement)?.[1] ?? '';
  const columns: string[] = [];
  const select = /^SELECT (?:DISTINCT )?(.+?) FROM/.exec(statement)?.[1];
  if (select) columns.push(...select.split(',').map((c) => c.trim()));
  const insert = /INSERT INTO \S+ \(([^)]*)\)/.exec(statement)?.[1];
  if (insert) columns.push(...insert.split(',').map((c) => c.trim()));
  for (const m of statement.matchAll(/(\w+)\s*(?:=|IN)\s*[?']/g)) columns.push(m[1]!);
  return { table, columns };
}

const statements = { ...servingCql, ...keyspaceCql('ks') };

describe('CQL statements of the TypeScript side (the same tables as moviereco.contracts.Cql)', () => {
  const tables = tablesOfSchema();

  it('reads the tables of cassandra.cql', () => {
    expect([...tables.keys()].sort()).toEqual([
      'batch_recommendations',
      'current_model',
      'models',
      'movies',
      'online_hits',
      'similar_movies',
      'speed_recommendations',
      'trending',
      'user_ratings',
    ]);
    expect(tables.get('user_ratings')).toEqual(new Set(['user_id', 'movie_id', 'rating', 'rated_at']));
  });

  it.each(Object.entries(statements))('%s names only tables and columns that exist', (_, statement) => {
    const { table, columns } = namesOf(statement);
    expect(tables.has(table), `${table} in ${statement}`).toBe(true);
    for (const column of columns) expect(tables.get(table)?.has(column), `${column} of ${table} in ${statement}`).toBe(true);
  });

  it('would catch a misspelt column', () => {
    const { table, columns } = namesOf('SELECT movie_id, ratting FROM user_ratings WHERE user_id = ?');
    expect(columns.filter((c) => !tables.get(table)?.has(c))).toEqual(['ratting']);
  });
});
