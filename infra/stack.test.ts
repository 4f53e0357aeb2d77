import { describe, expect, it } from 'vitest';
import { formatStatus } from './stack.ts';

describe('infra > status table', () => {
  it('aligns columns and shows - for what a stopped process lacks', () => {
    const table = formatStatus([
      { engine: 'kafka', process: 'kafka', pid: 4242, address: '127.0.0.1:9092', state: 'ready', memoryMb: 331, detail: '1 broker, 3 topics' },
      { engine: 'flink', process: 'flink-taskmanager', pid: undefined, address: 'http://127.0.0.1:8081', state: 'down', memoryMb: undefined, detail: '' },
    ]);
    expect(table.split('\n')).toEqual([
      'engine  process            pid   address                state  memory   detail',
      '------  -----------------  ----  ---------------------  -----  -------  ------------------',
      'kafka   kafka              4242  127.0.0.1:9092         ready  331 MiB  1 broker, 3 topics',
      'flink   flink-taskmanager  -     http://127.0.0.1:8081  down   -        ',
    ]);
  });
});
