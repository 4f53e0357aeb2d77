/**
 * The engines as the product's layers see them (`Platform`, lib/platform.ts): this stack's
 * addresses, its job-jar builds and its spark-submit. The system tier builds one and hands it on.
 */
import path from 'node:path';
import type { Platform } from '../lib/platform.ts';
import type { StackConfig } from './config.ts';
import { startSparkSubmit } from './engines/spark.ts';
import { ensureJobJar, jobSourceHash } from './job-jars.ts';

export function platformOf(config: StackConfig): Platform {
  return {
    kafka: config.kafka,
    cassandra: config.cassandra,
    hdfs: config.hdfs,
    flink: config.flink,
    dirs: config.dirs,
    jobJar: (project, log) => ensureJobJar(project, path.join(config.dirs.logs, 'build.log'), log),
    jobSourceHash,
    startSparkSubmit: (options, onLine) => startSparkSubmit(config, options, onLine),
  };
}
