/** One line of RFC 4180 CSV (MovieLens quotes titles that hold commas or quotes). */
export function parseCsvLine(line: string): string[] {
  const fields: string[] = [];
  let i = 0;
  const text = line.endsWith('\r') ? line.slice(0, -1) : line;
  for (;;) {
    if (text[i] === '"') {
      let value = '';
      i++;
      for (;;) {
        const q = text.indexOf('"', i);
        if (q < 0) throw new SyntaxError('unterminated quoted field');
        value += text.slice(i, q);
        if (text[q + 1] === '"') {
          value += '"';
          i = q + 2;
        } else {
          i = q + 1;
          break;
        }
      }
      fields.push(value);
      if (i < text.length && text[i] !== ',') throw new SyntaxError(`unexpected "${text[i]}" after a quoted field`);
    } else {
      const comma = text.indexOf(',', i);
      fields.push(text.slice(i, comma < 0 ? text.length : comma));
      i = comma < 0 ? text.length : comma;
    }
    if (i >= text.length) return fields;
    i++; // the comma
    if (i === text.length) {
      fields.push('');
      return fields;
    }
  }
}

/** "Toy Story (1995)" → title "Toy Story", year 1995; series years "(2006–2007)" keep the first year. */
export function parseTitle(raw: string): { title: string; year: number | null } {
  const trimmed = raw.trim();
  const match = /\s*\((\d{4})(?:\s*[–-]\s*(?:\d{4})?)?\)$/.exec(trimmed);
  if (!match) return { title: trimmed, year: null };
  return { title: trimmed.slice(0, match.index).trim(), year: Number(match[1]) };
}
