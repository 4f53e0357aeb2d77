/**
 * npm run data -- find <name|path> [--no-download]
 *                 generate [--ratings N | --preset small|32m] [--users N] [--movies N] [--seed S] [--out dir]
 *                 load <name|path>
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { loadConfig } from '../infra/config.ts';
import { ConfigError } from '../lib/errors.ts';
import { runMain } from '../lib/run-main.ts';
import { createWebHdfs } from '../lib/webhdfs.ts';
import { DATA_DIR, findDataset } from '../ingest/datasets/dataset.ts';
import { ML_32M, ML_LATEST_SMALL, generateDataset } from '../ingest/datasets/generator.ts';
import { loadDataset } from '../ingest/datasets/load.ts';
import { cassandraClient } from '../lib/platform.ts';

const USAGE = `usage: npm run data -- <command>
  find <name|path> [--no-download]   locate a MovieLens dataset (path, data/, ../shared/datasets, or GroupLens)
  generate [--preset small|32m | --ratings N] [--users N] [--movies N] [--seed S] [--out dir]
  load <name|path>                   put it into HDFS /movielens/<name>/ and Cassandra <keyspace>.movies`;

const GenerateArgs = z.object({
  preset: z.enum(['small', '32m']).optional(),
  ratings: z.coerce.number().int().positive().optional(),
  users: z.coerce.number().int().positive().optional(),
  movies: z.coerce.number().int().positive().optional(),
  seed: z.coerce.number().int().default(42),
  out: z.string().optional(),
});

async function main(argv: string[]) {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      preset: { type: 'string' },
      ratings: { type: 'string' },
      users: { type: 'string' },
      movies: { type: 'string' },
      seed: { type: 'string' },
      out: { type: 'string' },
      'no-download': { type: 'boolean' },
    },
  });
  const [command, target] = positionals;
  switch (command) {
    case 'find': {
      if (!target) throw new ConfigError(USAGE);
      const found = await findDataset(target, { download: !values['no-download'] });
      console.log(`${found.name}: ${found.dir} (${found.source})`);
      return;
    }
    case 'generate': {
      const parsed = GenerateArgs.safeParse(values);
      if (!parsed.success)
        throw new ConfigError(
          USAGE,
          parsed.error.issues.map((i) => `--${i.path.join('.')}: ${i.message}`),
        );
      const o = parsed.data;
      const preset = o.preset === '32m' ? ML_32M : o.preset === 'small' ? ML_LATEST_SMALL : undefined;
      const ratings = o.ratings ?? preset?.ratings ?? ML_LATEST_SMALL.ratings;
      const name = `generated-${o.preset ?? ratings}-s${o.seed}`;
      await generateDataset({
        outDir: o.out ?? path.join(DATA_DIR, 'generated', name),
        ratings,
        users: o.users ?? preset?.users,
        movies: o.movies ?? preset?.movies,
        seed: o.seed,
      });
      return;
    }
    case 'load': {
      if (!target) throw new ConfigError(USAGE);
      const config = loadConfig();
      const dataset = await findDataset(target);
      const client = cassandraClient(config);
      try {
        await loadDataset({
          dataset,
          hdfs: createWebHdfs({ baseUrl: config.hdfs.webUrl, user: config.hdfs.user }),
          cassandra: client,
          keyspace: config.cassandra.keyspace,
          replication: config.cassandra.replication,
          rejectsFile: path.join(config.stackDir, 'rejects', `load-${dataset.name}.jsonl`),
        });
      } finally {
        await client.shutdown();
      }
      return;
    }
    default:
      console.log(USAGE);
      if (command && command !== 'help') process.exitCode = 2;
  }
}

runMain(main);
