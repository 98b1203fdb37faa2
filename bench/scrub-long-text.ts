/**
 * Benchmark of scrubText on one long text against the same lines as rows of their own (the baseline:
 * each line a short text), on one embedded PostgreSQL in one run: a chat transcript of email and phone
 * pairs at 1,000, 4,000 and 16,000 lines, the same as one line of prose, and as a JSON document. The
 * ratio `whole / rows` staying flat as the text grows says its time grows with its length, not with its
 * length times its tokens. Prints JSON. Usage: npx tsx bench/scrub-long-text.ts
 */
import pg from 'pg';
import { installMaskSchema, useMaskingKey } from '../shared/anonymize/mask-schema';
import { startEmbeddedServer } from '../shared/local/embedded-server';

const KEY = Buffer.from('bench-masking-key-0123456789');
const LINES = [1_000, 4_000, 16_000] as const;

/** Milliseconds `work` takes. */
async function timed(work: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await work();
  return performance.now() - started;
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
    process.stdout.write(`${JSON.stringify({ benchmark: 'scrub-long-text', results }, null, 2)}\n`);
  } finally {
    await client.end().catch(() => undefined);
    await server.stop();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack ?? error.message : String(error)}\n`);
  process.exitCode = 1;
});
