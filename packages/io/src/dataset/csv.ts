/**
 * A small RFC 4180 CSV reader (quoted fields, doubled quotes, CRLF) for manifests.
 * @module
 */

/**
 * Splits CSV text into rows of fields. Blank lines are skipped.
 * @returns rows with the 1-based line number each starts on.
 * @throws SyntaxError for an unterminated quoted field, naming its line.
 */
export function parseCsv(text: string): { line: number; fields: string[] }[] {
  const rows: { line: number; fields: string[] }[] = [];
  let fields: string[] = [];
  let field = '';
  let line = 1;
  let rowLine = 1;
  let i = 0;
  let quoted = false;
  let any = false;
  const endRow = () => {
    fields.push(field);
    if (any || fields.length > 1 || field !== '') rows.push({ line: rowLine, fields });
    fields = [];
    field = '';
    any = false;
  };
  while (i < text.length) {
    const c = text[i] as string;
    if (quoted) {
      if (c === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i += 2;
          continue;
        }
        quoted = false;
        i++;
        continue;
      }
      if (c === '\n') line++;
      field += c;
      i++;
      continue;
    }
    if (c === '"' && field === '') {
      quoted = true;
      any = true;
      i++;
    } else if (c === ',') {
      fields.push(field);
      field = '';
      any = true;
      i++;
    } else if (c === '\r' && text[i + 1] === '\n') {
      i++;
    } else if (c === '\n') {
      endRow();
      line++;
      rowLine = line;
      i++;
    } else {
      field += c;
      i++;
    }
  }
  if (quoted) throw new SyntaxError(`CSV: a quoted field opened on line ${rowLine} is never closed`);
  if (field !== '' || fields.length > 0) endRow();
  return rows;
}
