import { describe, expect, it } from 'vitest';
import { parseCsvLine, parseTitle } from './csv.ts';

describe('data > csv', () => {
  it('splits plain and quoted fields, with escaped quotes and empty fields', () => {
    expect(parseCsvLine('1,Toy Story (1995),Adventure|Animation')).toEqual(['1', 'Toy Story (1995)', 'Adventure|Animation']);
    expect(parseCsvLine('11,"American President, The (1995)",Comedy|Drama|Romance')).toEqual(['11', 'American President, The (1995)', 'Comedy|Drama|Romance']);
    expect(parseCsvLine('5,"Say ""Hi"", Bob (2001)",Comedy\r')).toEqual(['5', 'Say "Hi", Bob (2001)', 'Comedy']);
    expect(parseCsvLine('791,0113610,')).toEqual(['791', '0113610', '']);
    expect(parseCsvLine('')).toEqual(['']);
  });

  it('rejects a broken quoted field', () => {
    expect(() => parseCsvLine('1,"unterminated,x')).toThrow('unterminated quoted field');
    expect(() => parseCsvLine('1,"a"b,c')).toThrow('unexpected "b" after a quoted field');
  });

  it('parses the year out of MovieLens titles', () => {
    expect(parseTitle('Toy Story (1995)')).toEqual({ title: 'Toy Story', year: 1995 });
    expect(parseTitle('Babylon 5')).toEqual({ title: 'Babylon 5', year: null });
    expect(parseTitle('Fawlty Towers (1975-1979) ')).toEqual({ title: 'Fawlty Towers', year: 1975 });
    expect(parseTitle('Stranger Things (2016–)')).toEqual({ title: 'Stranger Things', year: 2016 });
    expect(parseTitle('1984 (1984)')).toEqual({ title: '1984', year: 1984 });
  });
});
