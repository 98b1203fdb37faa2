/**
 * One `anonymize` or `verify` of the anonymizer benchmark (bench/anonymize.ts) in a process of its
 * own, so that its peak RSS is its own (the kernel's high-water mark, not a sample), not that of the
 * benchmark's other methods before it. Reads `{ "command", "url", "rules" }` as JSON on stdin (rules:
 * the YAML text) and prints `{ "ms", "peakRssMb", "progress" }` or `{ "ms", "peakRssMb", "findings" }`
 * (ms: the call's own time, without this process's start).
 */
import { z } from 'zod';
import { anonymizeDatabase } from '../shared/anonymize/anonymize';
import { parseRulesText } from '../shared/anonymize/rules-source';
import { verifyDatabase } from '../shared/verify/verify';
import { BENCH_KEY } from './anonymize-data';

const Request = z.object({ command: z.enum(['anonymize', 'verify']), url: z.string().min(1), rules: z.string().min(1) });

async function main(): Promise<void> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  const { command, url, rules } = Request.parse(JSON.parse(Buffer.concat(chunks).toString('utf8')));
  const options = { connection: { connectionString: url }, source: parseRulesText(rules, 'bench-rules.yaml'), key: BENCH_KEY };
  const started = performance.now();
  const outcome = command === 'anonymize'
    ? { progress: (await anonymizeDatabase(options)).progress }
    : { findings: (await verifyDatabase(options)).findings.map(({ table, column, kind }) => ({ table, column, kind })) };
  const ms = Math.round(performance.now() - started);
  process.stdout.write(`${JSON.stringify({ ms, peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024), ...outcome })}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`bench run failed: ${error instanceof Error ? error.stack ?? error.message : String(error)}\n`);
  process.exit(1);
});
