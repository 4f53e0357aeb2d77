import { cassandraEngine } from './cassandra.ts';
import type { Engine } from './engine.ts';
import { flinkEngine } from './flink.ts';
import { hdfsEngine } from './hdfs.ts';
import { kafkaEngine } from './kafka.ts';
import { sparkEngine } from './spark.ts';

/** Every engine, in start order. */
export const ENGINES: readonly Engine[] = [hdfsEngine, cassandraEngine, kafkaEngine, flinkEngine, sparkEngine];
