import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { stringify } from 'yaml';
import { parseYamlDocument } from '../../../shared/config/load';
import { configSchema } from '../../../shared/config/schema';
import { LocalDatabaseProvider } from '../../../shared/db/local-provider';
import { formatSummary } from '../../../shared/pipeline/local-run';
import type { PhaseDefinition } from '../../../shared/pipeline/phase';
import { PHASE_TABLE } from '../../../shared/pipeline/phase-table';
import { runPipeline } from '../../../shared/pipeline/runner';
import { makeConfigInput } from '../../support/config-factory';
import { holdLock } from '../../support/lost-connection';
import { createDatabase, databasesStartingWith, dropDatabases, query, serverUrl, uniqueName } from '../../support/postgres';
import { makeRunContext } from '../../support/run-context';

/**
 * The phase table with anonymize's real work, but its backend terminated on every attempt: a reader
 * holds users while anonymize rewrites it, and the backend is cut once the rewrite waits.
 */
function anonymizeCutEveryTime(): PhaseDefinition[] {
  return PHASE_TABLE.map((row) => row.name !== 'anonymize' ? row : {
    ...row,
    run: async (ctx) => {
      const candidate = ctx.state.candidate?.database ?? '';
      const lock = await holdLock(serverUrl(candidate), 'LOCK TABLE users IN ACCESS SHARE MODE');
      const cut = lock.terminateWhenWaiting(/^ALTER TABLE "public"\."users"/);
      try {
        return await row.run(ctx);
      } finally {
        await cut.catch(() => undefined);
        await lock.release();
      }
    },
  });
}

describe('the local pipeline when anonymize loses its connection on every attempt', () => {
  const production = uniqueName('remark');
  afterAll(async () => dropDatabases(...(await databasesStartingWith(production))));

  it("keeps the error's own words and adds a line saying the candidate was discarded and that a new run starts from a fresh snapshot", async () => {
    // Prepare: production with one user; staging not yet created; a run over the real phase table.
    const url = await createDatabase(production);
    await query(url, "CREATE TABLE users (id integer PRIMARY KEY, email text); INSERT INTO users VALUES (1, 'ada@real.example')");
    const staging = `${production}_staging`;
    const config = parseYamlDocument(stringify(makeConfigInput({ databases: { production: { url }, staging: { url: serverUrl(staging) } } })), configSchema);
    const provider = new LocalDatabaseProvider({ productionUrl: url, stagingUrl: serverUrl(staging), keepPrevious: false });
    const outDir = await mkdtemp(path.join(tmpdir(), 'settlement-remark-'));

    // Act
    const report = await runPipeline(anonymizeCutEveryTime(), makeRunContext(provider, { config, outDir, baseDir: outDir }), { sleep: async () => undefined });

    // Assert: the error as anonymize wrote it, then the pipeline's line; the candidate is gone.
    const anonymize = report.phases.find((phase) => phase.name === 'anonymize');
    const lost = 'lost the connection to the database (terminating connection due to administrator command, SQLSTATE 57P01) while masking public.users: '
      + 'public.users was rolled back and is unchanged, and the tables masked before it stay masked. Running anonymize again on this copy with the same '
      + 'rules and key resumes with public.users. Until the run finishes, verify refuses this copy';
    const remark = 'The pipeline ran anonymize 3 times, then stopped without promoting its candidate and discarded it (staging untouched), so nothing '
      + 'resumes on that copy: the next release, or `rehearsal run --config FILE`, starts again from a fresh snapshot';
    expect(anonymize).toMatchObject({ status: 'failed', attempts: 3, error: { name: 'ConnectionLostError', exitCode: 3, message: `${lost} (cause: terminating connection due to administrator command)\n${remark}` } });
    expect(anonymize?.summary).toBe(`${lost} (cause: terminating connection due to administrator command)\n${remark}`);
    expect(report.settlement).toEqual({ action: 'discarded-candidate', detail: `candidate ${staging}_candidate removed; staging untouched` });
    expect(report.exitCode).toBe(3);
    expect(formatSummary(report)).toContain(`\n${remark}\n`);
    expect(await databasesStartingWith(staging)).toEqual([]);
    // Publish ran after staging was settled: report.html says the same under the error.
    expect(report.phases.find((phase) => phase.name === 'publish')?.status).toBe('passed');
    expect(await readFile(path.join(outDir, 'report.html'), 'utf8')).toContain(`<strong>anonymize</strong>: ConnectionLostError: ${lost} (cause: terminating connection due to administrator command)\n${remark}</li>`);
  });
});
