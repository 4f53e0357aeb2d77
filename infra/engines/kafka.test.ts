import { describe, expect, it } from 'vitest';
import { newClusterId } from './kafka.ts';

describe('kafka cluster id', () => {
  it('is 16 bytes in base64url and never starts with a dash (the storage tool would take it for an option)', () => {
    // the first draw encodes to '-' + ...: 0xf8 is 111110 00, and 62 is '-' in base64url
    const draws = [new Uint8Array(16).fill(0xf8), new Uint8Array(16).fill(0x41)];
    let calls = 0;
    const id = newClusterId(() => draws[calls++]!);
    expect(Buffer.from(draws[0]!).toString('base64url').startsWith('-')).toBe(true);
    expect(calls).toBe(2);
    expect(id).toBe(Buffer.from(draws[1]!).toString('base64url'));
    expect(Buffer.from(id, 'base64url')).toHaveLength(16);
    for (let i = 0; i < 1000; i++) expect(newClusterId()).toMatch(/^[A-Za-z0-9_][A-Za-z0-9_-]{21}$/);
  });
});
