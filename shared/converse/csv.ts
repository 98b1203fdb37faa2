/**
 * Parses CSV text (RFC 4180: quoted fields, doubled quotes, commas and newlines inside quotes) into rows
 * keyed by the header line. Throws an Error naming the line when a row's field count differs.
 */
export function parseCsv(text: string): Array<Record<string, string>> {
  const records = splitRecords(text.replace(/^\uFEFF/, ''));
  const [header, ...rows] = records;
  if (!header || header.fields.length === 0 || header.fields.every((field) => field === '')) throw new Error('line 1: expected a header line with column names');
  return rows
    .filter((row) => !(row.fields.length === 1 && row.fields[0] === ''))
    .map((row) => {
      if (row.fields.length !== header.fields.length) {
        throw new Error(`line ${row.line}: expected ${header.fields.length} fields like the header, found ${row.fields.length}`);
      }
      return Object.fromEntries(header.fields.map((name, index) => [name.trim(), row.fields[index] ?? '']));
    });
}

function splitRecords(text: string): Array<{ line: number; fields: string[] }> {
  const records: Array<{ line: number; fields: string[] }> = [];
  let fields: string[] = [];
  let field = '';
  let quoted = false;
  let line = 1;
  let recordLine = 1;
  for (let index = 0; index < text.length; index += 1) {
    const char = text[index];
    if (quoted) {
      if (char === '"' && text[index + 1] === '"') {
        field += '"';
        index += 1;
      } else if (char === '"') quoted = false;
      else {
        if (char === '\n') line += 1;
        field += char;
      }
    } else if (char === '"' && field === '') quoted = true;
    else if (char === ',') {
      fields.push(field);
      field = '';
    } else if (char === '\n' || char === '\r') {
      if (char === '\r' && text[index + 1] === '\n') index += 1;
      fields.push(field);
      records.push({ line: recordLine, fields });
      fields = [];
      field = '';
      line += 1;
      recordLine = line;
    } else field += char;
  }
  if (field !== '' || fields.length > 0) {
    fields.push(field);
    records.push({ line: recordLine, fields });
  }
  return records;
}
