import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { CassandraEndpoint, KafkaSecurity } from '../lib/platform.ts';
import { clientSecurityProperties } from './client-security.ts';

interface Case {
  name: string;
  input: { kafka: KafkaSecurity; cassandra: Pick<CassandraEndpoint, 'credentials' | 'ssl'> };
  file: string;
}

const { cases } = JSON.parse(fs.readFileSync(path.join(import.meta.dirname, 'contracts', 'client-security.json'), 'utf8')) as { cases: Case[] };

describe('schemas > client security file (contracts/client-security.json, read back by ClientSecurityTest)', () => {
  it.each(cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    expect(clientSecurityProperties(c.input.kafka, c.input.cassandra)).toBe(c.file);
  });
});
