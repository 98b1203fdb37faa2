import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type pg from 'pg';
import { removeOtherDatabases, UnmaskedDatabasesError } from '../../../shared/anonymize/other-databases';
import { LocalDatabaseProvider } from '../../../shared/db/local-provider';
import type { DatabaseRef } from '../../../shared/db/provider';
import type { RunContext } from '../../../shared/pipeline/context';
import { runAnonymize } from '../../../shared/pipeline/phases/anonymize';
import { startIsolatedServer, type IsolatedServer } from '../../support/isolated-server';
import { makeRunContext } from '../../support/run-context';
import { query } from '../../support/postgres';
import { DEMO_RULES, demoRules } from './fixtures';

/** A provider over a server of its own whose candidates, like an RDS restore's, are whole servers. */
class WholeServerProvider extends LocalDatabaseProvider {
  readonly restoresWholeServer = true;
}

/**
 * These tests drop every other database of a server, so they run on one of their own, never on the
 * server the other test files share.
 */
describe('other databases of a candidate that is a whole restored server', () => {
  let server: IsolatedServer;
  beforeAll(async () => { server = await startIsolatedServer(); });
  afterAll(async () => { await server.stop(); });

  const databases = async (): Promise<string[]> =>
    (await query<{ datname: string }>(server.url(), 'SELECT datname FROM pg_database ORDER BY datname')).map((row) => row.datname);

  /** A fresh set of databases: the candidate (demo schema, no rows) and two copied from production's server. */
  async function restoredServer(): Promise<void> {
    for (const name of await databases()) {
      if (!['postgres', 'template0', 'template1'].includes(name)) await query(server.url(), `DROP DATABASE "${name}" WITH (FORCE)`);
    }
    for (const name of ['candidate', 'billing', 'analytics']) await query(server.url(), `CREATE DATABASE ${name}`);
    await query(server.url('candidate'), await readFile(path.join(__dirname, '../../../shared/demo/schema.sql'), 'utf8'));
    await query(server.url('billing'), `CREATE TABLE invoices (email text); INSERT INTO invoices VALUES ('payer@mail.fr')`);
  }

  it('drops every other database before masking, keeping the templates and postgres', async () => {
    await restoredServer();
    const provider = new WholeServerProvider({ productionUrl: server.url('production'), stagingUrl: server.url('staging'), keepPrevious: false });
    const base = makeRunContext(provider);
    const candidate: DatabaseRef = { id: 'candidate', database: 'candidate' };
    const ctx: RunContext = { ...base, config: { ...base.config, anonymize: demoRules().rules }, state: { candidate }, results: [] };

    const result = await runAnonymize(ctx);

    expect(result.status).toBe('passed');
    expect(await databases()).toEqual(['candidate', 'postgres', 'template0', 'template1']);
  });

  it('fails the phase before masking, naming what it cannot remove', async () => {
    await restoredServer();
    await query(server.url(), "CREATE TABLE public.crm_export (email text); SELECT lo_from_bytea(0, convert_to('statement of payer@mail.fr', 'UTF8'))");
    const provider = new WholeServerProvider({ productionUrl: server.url('production'), stagingUrl: server.url('staging'), keepPrevious: false });
    const base = makeRunContext(provider);
    const ctx: RunContext = { ...base, config: { ...base.config, anonymize: demoRules().rules }, state: { candidate: { id: 'candidate', database: 'candidate' } }, results: [] };

    const result = await runAnonymize(ctx);

    expect(result).toMatchObject({ status: 'failed', figures: { unmaskedDatabases: 1 }, details: { databases: ['postgres'] } });
    expect(result.summary).toContain('database postgres: holds tables or files (public.crm_export, large objects of postgres (1)) that no rule masks');
    expect(ctx.state.anonymize).toBeUndefined();
    expect(await databases()).toEqual(['analytics', 'billing', 'candidate', 'postgres', 'template0', 'template1']);
    await query(server.url(), 'DROP TABLE public.crm_export; SELECT lo_unlink(oid) FROM pg_largeobject_metadata');
  });

  it('drops the tables of postgres, the views over them and its large objects, under postgresTables: drop', async () => {
    await restoredServer();
    await query(server.url(), `CREATE TABLE public.crm_export (email text); INSERT INTO public.crm_export VALUES ('payer@mail.fr');
      CREATE VIEW public.crm_emails AS SELECT email FROM public.crm_export;
      CREATE SCHEMA reports; CREATE MATERIALIZED VIEW reports.payers AS SELECT email FROM public.crm_export;
      SELECT lo_from_bytea(0, convert_to('statement of payer@mail.fr', 'UTF8'))`);
    const provider = new WholeServerProvider({ productionUrl: server.url('production'), stagingUrl: server.url('staging'), keepPrevious: false });
    const base = makeRunContext(provider);
    const ctx: RunContext = { ...base, config: { ...base.config, anonymize: demoRules(`postgresTables: drop\n${DEMO_RULES}`).rules }, state: { candidate: { id: 'candidate', database: 'candidate' } }, results: [] };

    const result = await runAnonymize(ctx);

    expect(result.status).toBe('passed');
    expect(await databases()).toEqual(['candidate', 'postgres', 'template0', 'template1']);
    expect(await query(server.url(), "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname IN ('public', 'reports') ORDER BY 1")).toEqual([]);
    expect(await query(server.url(), 'SELECT oid FROM pg_largeobject_metadata')).toEqual([]);
    await query(server.url(), 'DROP SCHEMA reports');
  });

  it('refuses postgresTables: drop, dropping nothing, when the role does not own a table of postgres', async () => {
    await restoredServer();
    await query(server.url(), `CREATE ROLE masker LOGIN PASSWORD 'masker-password';
      ALTER DATABASE candidate OWNER TO masker; ALTER DATABASE analytics OWNER TO masker; ALTER DATABASE billing OWNER TO masker;
      CREATE TABLE public.crm_export (email text)`);
    const url = new URL(server.url('candidate'));
    url.username = 'masker';
    url.password = 'masker-password';

    const error = await removeOtherDatabases({ connectionString: url.toString() }, { postgresTables: 'drop' }).catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(UnmaskedDatabasesError);
    expect((error as UnmaskedDatabasesError).databases).toEqual(['postgres']);
    expect((error as Error).message).toContain('database postgres: postgresTables: drop, but only their owners can drop public.crm_export');
    expect(await databases()).toEqual(['analytics', 'billing', 'candidate', 'postgres', 'template0', 'template1']);
    await query(server.url(), 'DROP TABLE public.crm_export; ALTER DATABASE candidate OWNER TO postgres; ALTER DATABASE analytics OWNER TO postgres; ALTER DATABASE billing OWNER TO postgres; DROP ROLE masker');
  });

  it('leaves the other databases alone for a provider whose candidates share a server with production', async () => {
    await restoredServer();
    const provider = new LocalDatabaseProvider({ productionUrl: server.url('production'), stagingUrl: server.url('staging'), keepPrevious: false });
    const base = makeRunContext(provider);
    const ctx: RunContext = { ...base, config: { ...base.config, anonymize: demoRules().rules }, state: { candidate: { id: 'candidate', database: 'candidate' } }, results: [] };

    expect((await runAnonymize(ctx)).status).toBe('passed');
    expect(await databases()).toEqual(['analytics', 'billing', 'candidate', 'postgres', 'template0', 'template1']);
  });

  it('refuses, dropping nothing, when the role does not own another database, or postgres holds tables', async () => {
    await restoredServer();
    await query(server.url(), `CREATE ROLE masker LOGIN PASSWORD 'masker-password';
      ALTER DATABASE candidate OWNER TO masker; ALTER DATABASE analytics OWNER TO masker;
      CREATE TABLE public.crm_export (email text)`);
    const url = new URL(server.url('candidate'));
    url.username = 'masker';
    url.password = 'masker-password';

    const error = await removeOtherDatabases({ connectionString: url.toString() }).catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(UnmaskedDatabasesError);
    expect((error as UnmaskedDatabasesError).databases).toEqual(['billing', 'postgres']);
    expect((error as Error).message).toContain('database billing: owned by postgres, and only its owner can drop it');
    expect((error as Error).message).toContain('database postgres: holds tables or files (public.crm_export) that no rule masks');
    expect(await databases()).toEqual(['analytics', 'billing', 'candidate', 'postgres', 'template0', 'template1']);
    await query(server.url(), 'DROP TABLE public.crm_export; ALTER DATABASE candidate OWNER TO postgres; ALTER DATABASE analytics OWNER TO postgres; DROP ROLE masker');
  });

  it('reaches postgres with connection settings given field by field, as the AWS providers give them', async () => {
    await restoredServer();
    await query(server.url(), 'CREATE TABLE public.crm_export (email text)');
    const { hostname, port, username, password } = new URL(server.url());

    const error = await removeOtherDatabases({ host: hostname, port: Number(port), user: username, password, database: 'candidate' } satisfies pg.ClientConfig).catch((caught: unknown) => caught);

    expect((error as UnmaskedDatabasesError).databases).toEqual(['postgres']);
    await query(server.url(), 'DROP TABLE public.crm_export');
  });
});
