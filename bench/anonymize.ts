/**
 * Benchmark of the anonymizer against the two ways competitors mask, all on one embedded PostgreSQL in
 * one run: (a) `rehearsal anonymize`, (b) a hand-written single UPDATE with md5 transforms (the
 * in-database floor), (c) COPY out, transform in Node, COPY back, twice: with lean keyed-hash and
 * dictionary fakes like ours, and with @snaplet/copycat, the fakes Snaplet runs. Also verify's time,
 * peak RSS, rows/s per strategy, and (a) again on bios a tenth of which quote their customer, on bios
 * a hundred of which do, and on bios a twentieth of which quote their street and postcode in small
 * letters (the paths of text quoting known values); and verify of a copy whose bios were kept, full of
 * findings. (b) runs twice, before (a) and after (c), and ratios use the
 * mean of both, so a machine whose load changes during the run skews them less. `--update` also runs (a) with
 * `mode: update` (what rewrite mode saves). Each anonymize and verify runs in a process of its own
 * (bench/anonymize-run.ts): its time is the call's own, its peak RSS that process's high-water mark, not
 * this one's after the other methods. Prints JSON. Usage: npx tsx bench/anonymize.ts [--rows N] [--update]
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import type { AnonymizeProgress } from '../shared/anonymize/anonymize';
import { installMaskSchema, useMaskingKey } from '../shared/anonymize/mask-schema';
import { startEmbeddedServer } from '../shared/local/embedded-server';
import { BENCH_KEY, BENCH_RULES, BENCH_SCHEMA, fillBenchData, MD5_UPDATE, quoteCustomersSql, quotePlacesSql } from './anonymize-data';
import { copycatFakes, copyThroughNode, nodeFakes, type NodeFakes } from './anonymize-node';

const KEY = BENCH_KEY;

async function withDb<T>(url: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client(url);
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** Runs `work`, returning its duration and the process's peak RSS while it ran (sampled every 50 ms). */
async function measure<T>(work: () => Promise<T>): Promise<{ ms: number; peakRssMb: number; value: T }> {
  let peak = process.memoryUsage().rss;
  const timer = setInterval(() => { peak = Math.max(peak, process.memoryUsage().rss); }, 50);
  const started = performance.now();
  try {
    const value = await work();
    return { ms: Math.round(performance.now() - started), peakRssMb: Math.round(Math.max(peak, process.memoryUsage().rss) / 1048576), value };
  } finally {
    clearInterval(timer);
  }
}

/** What {@link runInChild} gives: the call's own time, the child's peak RSS, and what the call returned. */
interface ChildRun {
  readonly ms: number;
  readonly peakRssMb: number;
  readonly progress?: AnonymizeProgress;
  readonly findings?: readonly { table: string; column: string; kind: string }[];
}

/**
 * Runs `anonymize` or `verify` of `rules` (YAML text) on `url` in a process of its own
 * (bench/anonymize-run.ts), so that its peak RSS is its own, not this process's after the other methods.
 */
function runInChild(command: 'anonymize' | 'verify', url: string, rules: string): Promise<ChildRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...process.execArgv, join(__dirname, 'anonymize-run.ts')], { stdio: ['pipe', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => { out += chunk.toString('utf8'); });
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(JSON.parse(out) as ChildRun) : reject(new Error(`bench/anonymize-run.ts ${command} exited with ${code}`))));
    child.stdin.end(JSON.stringify({ command, url, rules }));
  });
}

/** The progress a child's anonymize returned (it always returns one). */
const progressOf = (run: ChildRun): AnonymizeProgress => {
  if (run.progress === undefined) throw new Error('bench/anonymize-run.ts returned no progress');
  return run.progress;
};
/** The findings a child's verify returned. */
const findingsOf = (run: ChildRun): readonly { table: string; column: string; kind: string }[] => run.findings ?? [];

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { rows: { type: 'string', default: '1000000' }, update: { type: 'boolean', default: false } } });
  const rows = Number(values.rows);
  const server = await startEmbeddedServer();
  try {
    const admin = server.url();
    const create = (name: string, template?: string) => withDb(admin, (c) => c.query(`CREATE DATABASE ${name}${template ? ` TEMPLATE ${template}` : ''}`));
    const built = await measure(async () => {
      await create('bench_template');
      await withDb(server.url('bench_template'), (c) => fillBenchData(c, rows));
    });
    // Bios that quote their customer: a tenth of them, and a hundred in all (the fewer, the likelier).
    // And bios a twentieth of which quote their street and postcode in small letters.
    const hundred = Math.max(1, Math.floor(rows / 100));
    const quotings = {
      tenth: { sql: quoteCustomersSql(10), quotes: `${Math.ceil(rows / 10)} bios end "Regards, <full name> from <city>"` },
      hundred: { sql: quoteCustomersSql(hundred), quotes: `${Math.ceil(rows / hundred)} bios end "Regards, <full name> from <city>"` },
      places: { sql: quotePlacesSql(20), quotes: `${Math.ceil(rows / 20)} bios end "Ship to <street>, <postcode> please." in small letters` },
    };
    for (const name of ['bench_a', 'bench_a_update', 'bench_a_kept_bios', 'bench_b', 'bench_b2', 'bench_c_source', ...Object.keys(quotings).map((q) => `bench_a_quoting_${q}`)]) await create(name, 'bench_template');
    for (const [q, { sql }] of Object.entries(quotings)) {
      await withDb(server.url(`bench_a_quoting_${q}`), async (c) => {
        await c.query(sql);
        await c.query('VACUUM ANALYZE users');
      });
    }
    for (const target of ['bench_c_target', 'bench_c2_target']) {
      await create(target);
      await withDb(server.url(target), (c) => c.query(BENCH_SCHEMA));
    }

    // (b) hand-written single UPDATE with md5, first run.
    const b1 = await measure(() => withDb(server.url('bench_b'), (c) => c.query(MD5_UPDATE)));

    // (a) rehearsal anonymize, then verify, each in a process of its own (runInChild).
    const a = await runInChild('anonymize', server.url('bench_a'), BENCH_RULES);
    const aProgress = progressOf(a);
    const updateOnlyMs = aProgress.tables.reduce((sum, table) => sum + table.durationMs, 0);
    const checks = await withDb(server.url('bench_a'), async (c) => (await c.query(`SELECT
        (SELECT count(DISTINCT email) = count(*) FROM users) AS emails_unique,
        (SELECT count(*) FROM orders o JOIN users u ON u.id = o.user_id WHERE o.contact_email IS DISTINCT FROM u.email)::int AS inconsistent_child_emails,
        (SELECT count(*) FROM users WHERE email !~ '@example\\.(com|org|net)$')::int AS unreserved_emails,
        pg_total_relation_size('users') AS users_bytes`)).rows[0]);
    const verify = await runInChild('verify', server.url('bench_a'), BENCH_RULES);

    // (a) again, on bios some of which quote their customer's name and city, each run checked by verify.
    const quoting: Record<string, { ms: number; prepareMs: number | undefined; tables: unknown; peakRssMb: number; verifyFindings: number; quotes: string }> = {};
    for (const [q, { quotes }] of Object.entries(quotings)) {
      const url = server.url(`bench_a_quoting_${q}`);
      const run = await runInChild('anonymize', url, BENCH_RULES);
      const found = await runInChild('verify', url, BENCH_RULES);
      quoting[q] = {
        ms: run.ms, prepareMs: progressOf(run).prepareMs, tables: progressOf(run).tables, peakRssMb: run.peakRssMb,
        verifyFindings: findingsOf(found).length, quotes,
      };
    }

    // Verify of a copy whose bios a rule left as they are (keep): findings in half the rows, as a
    // misconfigured rule leaves them; verify must report them within a Lambda's time, not in hours.
    const keptBiosRules = BENCH_RULES.replace('bio: scrubText', 'bio: keep');
    await runInChild('anonymize', server.url('bench_a_kept_bios'), keptBiosRules);
    const verifyKept = await runInChild('verify', server.url('bench_a_kept_bios'), keptBiosRules);

    // (c) COPY out, transform in Node, COPY back: lean hash-and-dictionary fakes, then Snaplet's copycat.
    const orNull = (value: string | undefined, fn: (v: string) => string): string => (value === undefined || value === '\\N' ? '\\N' : fn(value));
    const copyMasked = (fakes: NodeFakes, target: string) => measure(() => withDb(server.url('bench_c_source'), (reader) => withDb(server.url(target), async (writer) => {
      await copyThroughNode(reader, writer, 'users', 'users', (f) => {
        f[1] = orNull(f[1], fakes.email); f[2] = orNull(f[2], fakes.fullName); f[3] = orNull(f[3], fakes.phone); f[4] = orNull(f[4], fakes.street);
        f[5] = orNull(f[5], fakes.city); f[6] = orNull(f[6], fakes.postcode); f[7] = orNull(f[7], fakes.scrub);
      });
      await copyThroughNode(reader, writer, 'orders', 'orders', (f) => { f[3] = orNull(f[3], fakes.email); });
    })));
    const c = await copyMasked(nodeFakes(KEY), 'bench_c_target');
    const c2 = await copyMasked(copycatFakes(KEY), 'bench_c2_target');

    // (b) again, and (a) under mode: update when asked.
    const b2 = await measure(() => withDb(server.url('bench_b2'), (c) => c.query(MD5_UPDATE)));
    const b = { ms: Math.round((b1.ms + b2.ms) / 2) };
    const aUpdate = values.update
      ? await runInChild('anonymize', server.url('bench_a_update'), `mode: update\n${BENCH_RULES}`)
      : undefined;

    const perStrategy = await strategyRates(server.url('bench_template'), Math.min(rows, 200_000));
    const result = {
      rows: { users: rows, orders: rows },
      buildMs: built.ms,
      a_rehearsal: { ms: a.ms, updateOnlyMs, prepareMs: aProgress.prepareMs, fingerprints: aProgress.fingerprints, tables: aProgress.tables, peakRssMb: a.peakRssMb, checks },
      verify: { ms: verify.ms, findings: findingsOf(verify).length, findingKinds: countBy(findingsOf(verify).map((f) => `${f.table}.${f.column}: ${f.kind}`)), peakRssMb: verify.peakRssMb },
      verify_kept_bios: { ms: verifyKept.ms, findings: findingsOf(verifyKept).length, peakRssMb: verifyKept.peakRssMb },
      a_quoting_customers: quoting,
      b_md5_update: { ms: b.ms, runsMs: [b1.ms, b2.ms] },
      ...(aUpdate ? { a_mode_update: { ms: aUpdate.ms, prepareMs: progressOf(aUpdate).prepareMs, tables: progressOf(aUpdate).tables } } : {}),
      c_copy_node: { ms: c.ms, peakRssMb: c.peakRssMb, fakes: 'keyed SHA-256 and the same dictionaries as rehearsal' },
      c_copy_copycat: { ms: c2.ms, peakRssMb: c2.peakRssMb, fakes: '@snaplet/copycat (what Snaplet runs)' },
      rowsPerSecond: { a: Math.round((2 * rows) / (a.ms / 1000)), b: Math.round((2 * rows) / (b.ms / 1000)), c: Math.round((2 * rows) / (c.ms / 1000)), c_copycat: Math.round((2 * rows) / (c2.ms / 1000)) },
      ratios: {
        a_over_b: +(a.ms / b.ms).toFixed(2),
        aUpdateOnly_over_b: +(updateOnlyMs / b.ms).toFixed(2),
        c_over_a: +(c.ms / a.ms).toFixed(2),
        cCopycat_over_a: +(c2.ms / a.ms).toFixed(2),
        verify_over_a: +(verify.ms / a.ms).toFixed(2),
        verifyKeptBios_over_a: +(verifyKept.ms / a.ms).toFixed(2),
        ...Object.fromEntries(Object.entries(quoting).map(([q, run]) => [`aQuoting_${q}_over_a`, +(run.ms / a.ms).toFixed(2)])),
      },
      targets: { a_within_1_3x_of_b: a.ms <= 1.3 * b.ms, a_4x_faster_than_c: c.ms >= 4 * a.ms, a_4x_faster_than_c_copycat: c2.ms >= 4 * a.ms, verify_under_half_of_a: verify.ms < a.ms / 2, rss_under_200mb: Math.max(a.peakRssMb, verify.peakRssMb, verifyKept.peakRssMb, ...Object.values(quoting).map((run) => run.peakRssMb)) < 200 },
      strategyRowsPerSecond: perStrategy,
    };
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  } finally {
    await server.stop();
  }
}

function countBy(items: readonly string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const item of items) counts[item] = (counts[item] ?? 0) + 1;
  return counts;
}

/** Rows per second of each strategy's SQL function alone (a SELECT over `limit` users, nothing written). */
async function strategyRates(url: string, limit: number): Promise<Record<string, number>> {
  return withDb(url, async (client) => {
    await client.query('BEGIN');
    await installMaskSchema(client, { ownTransaction: false });
    await useMaskingKey(client, KEY);
    const s = 'rehearsal_mask';
    const expressions: Record<string, string> = {
      md5_baseline: `md5('salt' || email)`,
      keyed_hash_only: `${s}.digest('x', email, 0)::text`,
      email: `${s}.email(email)`, fullName: `${s}.full_name(full_name)`, firstName: `${s}.first_name(full_name)`, phone: `${s}.phone(phone)`,
      street: `${s}.street(street)`, city: `${s}.city(city)`, postcode: `${s}.postcode(postcode)`, hash: `${s}.hash_text(email)`,
      uuid: `${s}.uuid_text(email)`, username: `${s}.username(email)`, ipAddress: `${s}.ip(city)`, redact: `${s}.redact(email)`,
      scrubText: `${s}.scrub_text(bio)`, fingerprint: `${s}.fingerprint(email)::text`, verifyTokens: `(SELECT count(*) FROM ${s}.pii_tokens(bio))::text`,
    };
    const rates: Record<string, number> = {};
    for (const [name, sql] of Object.entries(expressions)) {
      const started = performance.now();
      await client.query(`SELECT sum(length(${sql})) FROM (SELECT * FROM users LIMIT ${limit}) u`);
      rates[name] = Math.round(limit / ((performance.now() - started) / 1000));
    }
    await client.query('ROLLBACK');
    return rates;
  });
}

main().catch((error: unknown) => {
  process.stderr.write(`bench failed: ${error instanceof Error ? error.stack ?? error.message : String(error)}\n`);
  process.exit(1);
});
