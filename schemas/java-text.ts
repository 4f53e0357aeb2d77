/**
 * Numbers as the JVM side writes them into text contracts (archive lines, factor lines): Java's
 * Float.toString, the shortest decimal that reads back to the same 32-bit float, with ".0" on whole
 * numbers and "E" notation below 1e-3 and from 1e7 on.
 */
import { PipelineError } from '../lib/errors.ts';

/** Java's Float.toString of a 32-bit float value. */
export function javaFloatString(value: number): string {
  const x = Math.fround(value);
  if (Number.isNaN(x)) return 'NaN';
  if (!Number.isFinite(x)) return x > 0 ? 'Infinity' : '-Infinity';
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  const abs = Math.abs(x);
  const scientific = abs < 1e-3 || abs >= 1e7;
  let digits = '';
  // in E notation Java writes at least one digit after the point, so two significant digits
  for (let precision = scientific ? 2 : 1; precision <= 9; precision++) {
    digits = x.toExponential(precision - 1);
    if (Math.fround(Number(digits)) === x) break;
  }
  // digits: d.ddddde±n
  const [mantissa, exp] = digits.split('e') as [string, string];
  const exponent = Number(exp);
  const negative = mantissa.startsWith('-');
  const plain = mantissa.replace('-', '').replace('.', '');
  const sign = negative ? '-' : '';
  if (!scientific) {
    const point = exponent + 1;
    let text: string;
    if (point <= 0) text = `0.${'0'.repeat(-point)}${plain}`;
    else if (point >= plain.length) text = `${plain}${'0'.repeat(point - plain.length)}.0`;
    else text = `${plain.slice(0, point)}.${plain.slice(point)}`;
    return sign + text;
  }
  return `${sign}${plain[0]}.${plain.slice(1).replace(/0+$/, '') || '0'}E${exponent}`;
}

/** A decimal integer field of a text contract, or a ContractError naming it. */
export function integerField(name: string, text: string): number {
  if (!/^-?\d{1,19}$/.test(text)) throw new ContractError(`${name} '${text}' is not an integer`);
  const n = Number(text);
  if (!Number.isSafeInteger(n)) throw new ContractError(`${name} '${text}' is beyond what this reader holds exactly`);
  return n;
}

/** A decimal number field (Java's float or double text), or a ContractError naming it. */
export function numberField(name: string, text: string): number {
  if (!/^-?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$|^-?Infinity$|^NaN$/.test(text)) throw new ContractError(`${name} '${text}' is not a number`);
  return Number(text);
}

/** A line or file that breaks its contract: not retriable, the data is wrong. */
export class ContractError extends PipelineError {}
