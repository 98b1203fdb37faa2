import { anonymizeDatabase } from '../../../shared/anonymize/anonymize';
import { dryRun } from '../../../shared/anonymize/dry-run';
import { explainEventTriggerError } from '../../../shared/anonymize/event-triggers';
import { maskSchemaExists } from '../../../shared/anonymize/mask-schema';
import { withClient } from '../../../shared/db/client';
import { ConfigError } from '../../../shared/errors';
import { verifyDatabase } from '../../../shared/verify/verify';
import { query } from '../../support/postgres';
import { allText, DEMO_RULES, demoDatabasesOfFile, demoRules, KEY } from './fixtures';

/** A guard some teams keep on production: DDL only while a migration says so. */
const DDL_GUARD = `CREATE FUNCTION ddl_guard() RETURNS event_trigger LANGUAGE plpgsql AS $$
    BEGIN IF current_setting('app.migrating', true) IS DISTINCT FROM 'on' THEN RAISE EXCEPTION 'DDL only through migrations'; END IF; END $$;
  CREATE EVENT TRIGGER ddl_guard ON ddl_command_start EXECUTE FUNCTION ddl_guard()`;

/** An audit of every DDL command, the other kind production keeps. */
const DDL_AUDIT = `CREATE SCHEMA audit; CREATE TABLE audit.ddl_log (tag text, query text);
  CREATE FUNCTION audit.log_ddl() RETURNS event_trigger LANGUAGE plpgsql AS $$ BEGIN INSERT INTO audit.ddl_log VALUES (tg_tag, current_query()); END $$;
  CREATE EVENT TRIGGER ddl_audit ON ddl_command_end EXECUTE FUNCTION audit.log_ddl()`;

describe("production's event triggers in the copy", () => {
  const { demo } = demoDatabasesOfFile('events');

  it('names the event trigger, its event and what it raised when a guard stops the run or the dry run, changing nothing', async () => {
    const { url } = await demo();
    await query(url, DDL_GUARD);
    const before = await allText(url);

    const errors = [
      await anonymizeDatabase({ connection: { connectionString: url }, source: demoRules(), key: KEY }).catch((caught: unknown) => caught),
      await dryRun({ connectionString: url }, demoRules(), KEY).catch((caught: unknown) => caught),
    ];

    for (const error of errors) {
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as Error).message).toBe(`event trigger ddl_guard: production's event trigger ddl_guard (on ddl_command_start, function ddl_guard()) raised "DDL only through migrations" on rehearsal's own DDL in the copy (its working schema, tables and indexes); the step was rolled back. Let its function pass the masking role's DDL, or disable it on production if nothing needs it`);
      expect(((error as Error).cause as Error).message).toBe('DDL only through migrations');
    }
    expect(await allText(url)).toBe(before);
    expect(await withClient({ connectionString: url }, maskSchemaExists)).toBe(false);
  });

  it('masks and verifies under an event trigger that only logs DDL', async () => {
    const { url } = await demo();
    await query(url, DDL_AUDIT);
    const rules = demoRules(`${DEMO_RULES}  audit.ddl_log:\n    columns: { tag: keep, query: keep }\n`);

    await anonymizeDatabase({ connection: { connectionString: url }, source: rules, key: KEY });
    const verified = await verifyDatabase({ connection: { connectionString: url }, source: rules, key: KEY });

    expect(verified.findings).toEqual([]);
    expect(await query(url, "SELECT count(*) > 0 AS logged FROM audit.ddl_log WHERE tag = 'CREATE SCHEMA'")).toEqual([{ logged: true }]);
  });

  it('leaves any other failure as it was', async () => {
    const { url } = await demo();
    await query(url, DDL_AUDIT);
    const plain = new Error('connection lost');
    const elsewhere = Object.assign(new Error('boom'), { where: 'PL/pgSQL function some_other() line 3 at RAISE' });

    const explained = await withClient({ connectionString: url }, async (client) => [await explainEventTriggerError(client, plain), await explainEventTriggerError(client, elsewhere)]);

    expect(explained[0]).toBe(plain);
    expect(explained[1]).toBe(elsewhere);
  });
});
