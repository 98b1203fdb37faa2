import { anonymizeDatabase } from '../../../shared/anonymize/anonymize';
import { maskSchemaExists } from '../../../shared/anonymize/mask-schema';
import { unidentifiedRelations } from '../../../shared/anonymize/replica-identity';
import { withClient } from '../../../shared/db/client';
import { ConfigError } from '../../../shared/errors';
import { query } from '../../support/postgres';
import { allText, DEMO_RULES, demoDatabasesOfFile, demoRules, KEY, ORIGINALS } from './fixtures';

/**
 * Append-only tables the way CDC setups leave them: an event log without a primary key and an audit
 * table whose identity was set to NOTHING, both published for updates, and a table only its inserts are
 * published of. Production never updates them; masking by UPDATE must (`mode: update` here).
 */
const PUBLISHED = `CREATE TABLE events (at timestamptz NOT NULL DEFAULT now(), email text);
  CREATE TABLE audit (id int PRIMARY KEY, email text);
  ALTER TABLE audit REPLICA IDENTITY NOTHING;
  CREATE TABLE inbound (email text);
  INSERT INTO events (email) VALUES ('${ORIGINALS.emails[0]}'), ('${ORIGINALS.emails[1]}');
  INSERT INTO audit VALUES (1, '${ORIGINALS.emails[2]}'), (2, '${ORIGINALS.emails[1]}'), (3, '${ORIGINALS.emails[0]}');
  INSERT INTO inbound VALUES ('${ORIGINALS.emails[0]}');
  CREATE PUBLICATION cdc FOR TABLE events, audit;
  CREATE PUBLICATION intake FOR TABLE inbound WITH (publish = 'insert')`;

const RULES = `mode: update\n${DEMO_RULES}  public.events:\n    columns: { at: keep, email: email }\n  public.audit:\n    columns: { id: keep, email: email }\n  public.inbound:\n    columns: { email: email }\n`;

const identities = (url: string) => query(url, "SELECT relname AS table, relreplident AS identity FROM pg_class WHERE relname IN ('events', 'audit', 'inbound') ORDER BY relname");

describe('tables published for updates without a replica identity, masked by UPDATE', () => {
  const { demo, masker: maskerOn } = demoDatabasesOfFile('identity');

  it('finds the relations PostgreSQL would refuse to update: published for updates, with no identity it can use', async () => {
    const { url } = await demo();
    await query(url, PUBLISHED);

    const found = await withClient({ connectionString: url }, async (client) => [
      ...await unidentifiedRelations(client, { schema: 'public', name: 'events' }),
      ...await unidentifiedRelations(client, { schema: 'public', name: 'audit' }),
      ...await unidentifiedRelations(client, { schema: 'public', name: 'inbound' }),
      ...await unidentifiedRelations(client, { schema: 'public', name: 'users' }),
    ]);

    expect(found).toEqual([
      { table: 'public.events', relation: 'public.events', identity: 'd', publications: ['cdc'], owns: true },
      { table: 'public.audit', relation: 'public.audit', identity: 'n', publications: ['cdc'], owns: true },
    ]);
  });

  it('gives each REPLICA IDENTITY FULL for the masking and sets it back, in one run and in key-range batches', async () => {
    for (const rules of [RULES, `batchRows: 1\n${RULES}`]) {
      const { url } = await demo();
      await query(url, PUBLISHED);
      await query(url, 'ANALYZE audit');
      const before = await identities(url);

      const result = await anonymizeDatabase({ connection: { connectionString: url }, source: demoRules(rules), key: KEY });

      const modes = Object.fromEntries(result.progress.tables.map((figure) => [figure.table, figure.mode]));
      expect([modes['public.events'], modes['public.audit']]).toEqual(rules === RULES ? ['update', 'update'] : ['update', 'batched']);
      const emails = await query<{ email: string }>(url, 'SELECT email FROM events UNION ALL SELECT email FROM audit UNION ALL SELECT email FROM inbound');
      expect(emails).toHaveLength(6);
      for (const { email } of emails) expect(email).toMatch(/@example\.(com|org|net)$/);
      expect(await identities(url)).toEqual(before);
      expect(await query(url, 'SELECT pubname FROM pg_publication ORDER BY 1')).toEqual([{ pubname: 'cdc' }, { pubname: 'intake' }]);
    }
  });

  it('refuses, before changing anything, a table it would have to give an identity without owning it', async () => {
    const db = await demo();
    await query(db.url, PUBLISHED);
    const masker = await maskerOn(db);
    const before = await allText(db.url);

    const error = await anonymizeDatabase({ connection: { connectionString: masker.url }, source: demoRules(RULES), key: KEY }).catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toContain('public.events: public.events has no replica identity and publication cdc publishes its updates, so PostgreSQL refuses the masking UPDATE; only the owner of public.events can give it REPLICA IDENTITY FULL');
    expect((error as Error).message).toContain('public.audit: public.audit has no replica identity');
    expect(await query<{ email: string }>(db.url, 'SELECT email FROM events ORDER BY email')).toEqual([{ email: ORIGINALS.emails[0] }, { email: ORIGINALS.emails[1] }]);
    expect(await allText(db.url)).toBe(before);
    expect(await withClient({ connectionString: db.url }, maskSchemaExists)).toBe(false);
  });
});
