/** Applies schemas/cassandra.cql to a keyspace. */
import fs from 'node:fs';
import path from 'node:path';
import type cassandra from 'cassandra-driver';

export const CQL_FILE = path.join(import.meta.dirname, 'cassandra.cql');

export const DEFAULT_REPLICATION = "{'class': 'SimpleStrategy', 'replication_factor': 1}";

/** The statements of the schema file for a keyspace, comments removed. */
export function cassandraStatements(keyspace: string, replication = DEFAULT_REPLICATION): string[] {
  if (!/^[a-z][a-z0-9_]{0,47}$/.test(keyspace)) throw new Error(`invalid keyspace name: ${keyspace}`);
  return fs
    .readFileSync(CQL_FILE, 'utf8')
    .split('\n')
    .filter((line) => !line.trimStart().startsWith('--'))
    .join('\n')
    .split(';')
    .map((s) => s.trim().replaceAll('{keyspace}', keyspace).replaceAll('{replication}', replication))
    .filter(Boolean);
}

/**
 * Applies every statement; an `ALTER TABLE ... ADD` of a column that exists already is done (CQL
 * has no `ADD IF NOT EXISTS` before Cassandra 5.0), any other failure is not.
 */
export async function applyCassandraSchema(client: cassandra.Client, keyspace: string, replication?: string): Promise<void> {
  for (const statement of cassandraStatements(keyspace, replication)) {
    try {
      await client.execute(statement);
    } catch (error) {
      const added = /^ALTER TABLE \S+ ADD /i.test(statement) && /conflicts with an existing column|already exists/i.test((error as Error).message);
      if (!added) throw error;
    }
  }
}
