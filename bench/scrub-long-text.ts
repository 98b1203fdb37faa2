/**
 * Benchmark of long texts, on one embedded PostgreSQL in one run. scrubText on one long text against
 * the same lines as rows of their own (the baseline: each line a short text): a chat transcript of
 * email and phone pairs at 1,000, 4,000 and 16,000 lines, the same as one line of prose, and as a JSON
 * document; the ratio `whole / rows` staying flat as the text grows says its time grows with its
 * length, not with its length times its tokens. And `rehearsal anonymize` of 35 customers, each with a
 * note quoting their full name every third line, at 900 and 3,600 lines (23 and 92 KB): the time per
 * byte at 3,600 over that at 900 says the same of the search before masking, and of that search's
 * step reading each word for a name's first word alone (the median of three runs). Prints JSON.
 * Usage: npx tsx bench/scrub-long-text.ts
 */
import pg from 'pg';
import { anonymizeDatabase } from '../shared/anonymize/anonymize';
import { installMaskSchema, useMaskingKey } from '../shared/anonymize/mask-schema';
import { parseRulesText } from '../shared/anonymize/rules-source';
import { phrasesStartingSql } from '../shared/anonymize/sql/candidates';
import { startEmbeddedServer } from '../shared/local/embedded-server';

const KEY = Buffer.from('bench-masking-key-0123456789');
const LINES = [1_000, 4_000, 16_000] as const;

/** Milliseconds `work` takes. */
async function timed(work: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await work();
  return performance.now() - started;
}

const NOTE_RULES = parseRulesText(`tables:
  public.customers:
    columns: { id: keep, full_name: fullName }
  public.notes:
    columns: { id: keep, body: scrubText }
`, 'bench-rules.yaml');

/** 35 customers' full names, and a note for each of `lines` lines quoting them every third line. */
function customerNotes(lines: number): { names: string[]; notes: string[] } {
  const names = Array.from({ length: 35 }, (_, i) => `${['Marguerite', 'Anand', 'Siobhan', 'Tomasz'][i % 4]} ${['Okonkwo', 'Venkataraman', 'Fairweather', 'Kowalczyk'][i % 4]}${String.fromCharCode(97 + (i % 26))}${String.fromCharCode(97 + Math.floor(i / 26))}`);
  return { names, notes: names.map((full) => Array.from({ length: lines }, (_, i) => (i % 3 ? `line ${i}: all quiet` : `line ${i}: called ${full} back`)).join('\n')) };
}

/**
 * The median milliseconds of three runs of the search before masking for phrases that start with a
 * full name's first word (phrasesStartingSql, the step of it that reads each word), on the notes of
 * {@link customerNotes}: sharper than the whole anonymize, whose time on this machine varies by half.
 */
async function searchNotes(client: pg.Client, lines: number): Promise<number> {
  await client.query('DROP TABLE IF EXISTS bench_notes; CREATE TABLE bench_notes (v text)');
  await client.query('INSERT INTO bench_notes SELECT unnest($1::text[])', [customerNotes(lines).notes]);
  const starts = "(SELECT unnest(ARRAY['marguerite', 'anand', 'siobhan', 'tomasz']) AS w)";
  const runs = [];
  for (let i = 0; i < 3; i++) runs.push(await timed(() => client.query(`SELECT count(*) FROM (${phrasesStartingSql('(SELECT v FROM bench_notes)', starts)}) AS p`)));
  return runs.sort((x, y) => x - y)[1] ?? 0;
}

/** Milliseconds `rehearsal anonymize` takes on a new database `name` of {@link customerNotes}. */
async function anonymizeNotes(admin: pg.Client, url: string, name: string, lines: number): Promise<number> {
  await admin.query(`CREATE DATABASE ${name}`);
  const client = new pg.Client(url);
  await client.connect();
  try {
    const { names, notes } = customerNotes(lines);
    await client.query(`COMMENT ON DATABASE ${name} IS 'rehearsal:candidate';
      CREATE TABLE customers (id bigint PRIMARY KEY, full_name text NOT NULL);
      CREATE TABLE notes (id bigint PRIMARY KEY, body text)`);
    await client.query('INSERT INTO customers SELECT i, n FROM unnest($1::text[]) WITH ORDINALITY AS u(n, i)', [names]);
    await client.query('INSERT INTO notes SELECT i, n FROM unnest($1::text[]) WITH ORDINALITY AS u(n, i)', [notes]);
  } finally {
    await client.end();
  }
  return timed(() => anonymizeDatabase({ connection: { connectionString: url }, source: NOTE_RULES, key: KEY }));
}

async function main(): Promise<void> {
  const server = await startEmbeddedServer();
  const client = new pg.Client(server.url());
  try {
    await client.connect();
    await installMaskSchema(client);
    await useMaskingKey(client, KEY);
    const results = [];
    for (const count of LINES) {
      const lines = Array.from({ length: count }, (_, i) => `Contact ann${i}@mail.com or +44 7700 9${String(i).padStart(5, '0')}`);
      const rowsMs = await timed(() => client.query('SELECT count(rehearsal_mask.scrub_text(x)) FROM unnest($1::text[]) AS u(x)', [lines]));
      const scrub = (text: string) => timed(() => client.query('SELECT length(rehearsal_mask.scrub_text($1))', [text]));
      const transcript = lines.join('\n');
      const [transcriptMs, proseMs, jsonMs] = [await scrub(transcript), await scrub(lines.join(' ')), await scrub(JSON.stringify(lines.map((note, id) => ({ id, note }))))];
      results.push({
        lines: count,
        bytes: Buffer.byteLength(transcript),
        transcript_over_rows: +(transcriptMs / rowsMs).toFixed(2),
        prose_over_rows: +(proseMs / rowsMs).toFixed(2),
        json_over_rows: +(jsonMs / rowsMs).toFixed(2),
        ms: { rows: Math.round(rowsMs), transcript: Math.round(transcriptMs), prose: Math.round(proseMs), json: Math.round(jsonMs) },
      });
    }
    const [shortMs, longMs] = [await anonymizeNotes(client, server.url('notes_short'), 'notes_short', 900), await anonymizeNotes(client, server.url('notes_long'), 'notes_long', 3_600)];
    const anonymizeNotesQuotingCustomers = { notes_4x_longer_per_byte_over_shorter: +(longMs / 4 / shortMs).toFixed(2), ms: { lines900: Math.round(shortMs), lines3600: Math.round(longMs) } };
    const [searchShortMs, searchLongMs] = [await searchNotes(client, 900), await searchNotes(client, 3_600)];
    const searchNotesForNames = { notes_4x_longer_per_byte_over_shorter: +(searchLongMs / 4 / searchShortMs).toFixed(2), ms: { lines900: Math.round(searchShortMs), lines3600: Math.round(searchLongMs) } };
    process.stdout.write(`${JSON.stringify({ benchmark: 'scrub-long-text', results, anonymizeNotesQuotingCustomers, searchNotesForNames }, null, 2)}\n`);
  } finally {
    await client.end().catch(() => undefined);
    await server.stop();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack ?? error.message : String(error)}\n`);
  process.exitCode = 1;
});
