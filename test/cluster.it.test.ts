/**
 * STACK_TOPOLOGY=cluster (docs/cluster.md): the stack as multi-node clusters, run by
 * `npm run test:cluster` together with the end-to-end test. The product's topics, keyspace and jobs
 * are replicated as configured; one node of each engine is killed under load (system/drill-cluster.ts).
 */
import kafkajs from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { createStack } from '../infra/stack.ts';
import { cassandraClient, kafkaClient } from '../lib/platform.ts';
import { createFlinkClient } from '../speed/flink-client.ts';
import { loadJobsConfig } from '../speed/jobs.ts';
import { CLUSTER_DRILLS, clusterDrills } from '../system/drill-cluster.ts';
import { formatChecks } from '../system/drills.ts';
import { useDrillSystem } from './drill-system.ts';
import { config, silentLog } from './helpers.ts';

if (config.topology !== 'cluster') throw new Error('this file tests STACK_TOPOLOGY=cluster: npm run test:cluster');

const { env, stack, apiUrl } = useDrillSystem('it_cluster');

describe('stack > cluster topology', () => {
  it('runs 3 brokers, 3 Cassandra nodes, a NameNode and 3 DataNodes, a JobManager and 2 TaskManagers, a Spark master and 2 workers', async () => {
    const rows = await createStack({ config, log: silentLog }).status();
    const running = rows.filter((r) => r.pid !== undefined && r.state === 'ready').map((r) => r.process);
    expect(running.sort()).toEqual(
      [
        ...['kafka-1', 'kafka-2', 'kafka-3', 'cassandra-1', 'cassandra-2', 'cassandra-3'],
        ...['hdfs-namenode', 'hdfs-datanode-1', 'hdfs-datanode-2', 'hdfs-datanode-3'],
        ...['flink-jobmanager', 'flink-taskmanager-1', 'flink-taskmanager-2', 'spark-master', 'spark-worker-1', 'spark-worker-2'],
      ].sort(),
    );
  });

  it('the product topics have 3 replicas, all in sync, and min.insync.replicas 2', async () => {
    const admin = kafkaClient(stack).admin();
    await admin.connect();
    try {
      const topics = loadJobsConfig(env).topics;
      const names = [topics.ratings, topics.dlq];
      const meta = await admin.fetchTopicMetadata({ topics: names });
      for (const topic of meta.topics)
        for (const p of topic.partitions) expect([p.replicas.length, p.isr.length], `${topic.name} ${p.partitionId}`).toEqual([3, 3]);
      const described = await admin.describeConfigs({
        includeSynonyms: false,
        resources: names.map((name) => ({ type: kafkajs.ConfigResourceTypes.TOPIC, name, configNames: ['min.insync.replicas'] })),
      });
      for (const r of described.resources) expect(r.configEntries.find((c) => c.configName === 'min.insync.replicas')?.configValue, r.resourceName).toBe('2');
    } finally {
      await admin.disconnect();
    }
  });

  it('the keyspace and the logins are replicated on all 3 nodes (NetworkTopologyStrategy)', async () => {
    const client = cassandraClient(stack);
    await client.connect();
    try {
      for (const keyspace of [stack.cassandra.keyspace, 'system_auth']) {
        const row = (await client.execute('SELECT replication FROM system_schema.keyspaces WHERE keyspace_name = ?', [keyspace], { prepare: true })).first();
        expect(row?.get('replication'), keyspace).toMatchObject({ class: 'org.apache.cassandra.locator.NetworkTopologyStrategy', datacenter1: '3' });
      }
    } finally {
      await client.shutdown();
    }
  });

  it('the jobs run at parallelism 2, each with a subtask on both TaskManagers', async () => {
    const flink = createFlinkClient({ rest: stack.flink });
    const { prefix } = loadJobsConfig(env);
    const jobs = (await flink.listJobs()).filter((j) => j.name.startsWith(prefix) && j.state === 'RUNNING');
    expect(jobs.length).toBe(4);
    for (const job of jobs) {
      const details = await flink.job(job.jid);
      expect(Math.max(...details.vertices.map((v) => v.parallelism)), job.name).toBe(2);
    }
    const { taskmanagers } = (await (await fetch(`${stack.flink.restUrl}/taskmanagers`)).json()) as {
      taskmanagers: { id: string; slotsNumber: number; freeSlots: number }[];
    };
    expect(taskmanagers.length).toBe(2);
    for (const tm of taskmanagers) expect(tm.slotsNumber - tm.freeSlots, tm.id).toBeGreaterThan(0);
  });

  describe('node loss under load', () => {
    it.each(CLUSTER_DRILLS)(
      '%s',
      async (name) => {
        const started = performance.now();
        const checks = await clusterDrills[name]({ stack, env, apiUrl: apiUrl(), log: silentLog });
        console.log(formatChecks(`${name} (cluster)`, checks, (performance.now() - started) / 1000));
        expect(checks.length).toBeGreaterThan(0);
        expect(checks.filter((c) => !c.ok)).toEqual([]);
      },
      900_000,
    );
  });
});
