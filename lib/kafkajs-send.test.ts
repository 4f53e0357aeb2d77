import { compatibilityPartitioner } from '@platformatic/kafka';
import { describe, expect, it } from 'vitest';
import { byPartition } from './kafkajs-send.ts';

describe('byPartition', () => {
  it('groups keys by the partition the Java-compatible partitioner gives them, each key once, in order', () => {
    const keys = ['1', '42', '610', '200948', 'a', 'user-1', ...Array.from({ length: 500 }, (_, i) => String(i * 101))];
    for (const partitions of [1, 4, 7]) {
      const groups = byPartition(keys, (k) => k, partitions);
      expect([...groups.values()].flat().sort()).toEqual([...keys].sort());
      for (const [partition, group] of groups) {
        for (const key of group) {
          const bytes = Buffer.from(key);
          expect(compatibilityPartitioner({ key: bytes, topic: 't', value: Buffer.alloc(0) } as never, bytes as never) % partitions).toBe(partition);
        }
        expect(group).toEqual(keys.filter((k) => group.includes(k)));
      }
    }
  });
});
