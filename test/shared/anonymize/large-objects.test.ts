import { anonymizeDatabase } from '../../../shared/anonymize/anonymize';
import { dryRun } from '../../../shared/anonymize/dry-run';
import { maskSchemaExists } from '../../../shared/anonymize/mask-schema';
import { withClient } from '../../../shared/db/client';
import { ConfigError } from '../../../shared/errors';
import { verifyDatabase } from '../../../shared/verify/verify';
import { query } from '../../support/postgres';
import { DEMO_RULES, demoDatabasesOfFile, demoRules, KEY } from './fixtures';

/**
 * Files a copy of production brings along as large objects: identity scans referred to by a column the
 * rules mask, uploads in a table they truncate, a contract a kept column refers to, and an orphan
 * production's application left behind.
 */
const FILES = `CREATE TABLE documents (id int PRIMARY KEY, scan oid, contract oid);
  CREATE TABLE uploads (id int PRIMARY KEY, blob oid);
  INSERT INTO documents VALUES
    (1, lo_from_bytea(0, convert_to('Passport of Ann Smith, ann.smith@gmail.com', 'UTF8')), lo_from_bytea(0, 'contract v1')),
    (2, lo_from_bytea(0, convert_to('Licence of Bob Jones', 'UTF8')), NULL);
  INSERT INTO uploads VALUES (1, lo_from_bytea(0, convert_to('Selfie of Cara Lee', 'UTF8')));
  SELECT lo_from_bytea(0, convert_to('Orphaned bank statement of Ann Smith', 'UTF8'))`;

const FILES_RULES = `${DEMO_RULES}  public.documents:
    columns: { id: keep, scan: 'null', contract: keep }
  public.uploads: truncate
`;

const largeObjects = async (url: string): Promise<string[]> =>
  (await query<{ content: string }>(url, `SELECT convert_from(lo_get(oid), 'UTF8') AS content FROM pg_largeobject_metadata ORDER BY oid`)).map((row) => row.content);

describe('large objects of a copy of production', () => {
  const databases = demoDatabasesOfFile('lobjects');

  it('unlinks the files whose reference was masked or truncated, and orphans, keeping those a kept column refers to', async () => {
    const { url } = await databases.demo();
    await query(url, FILES);

    const result = await anonymizeDatabase({ connection: { connectionString: url }, source: demoRules(FILES_RULES), key: KEY });

    expect(result.progress.largeObjectsUnlinked).toBe(4);
    expect(await largeObjects(url)).toEqual(['contract v1']);
    expect(await query(url, 'SELECT id, scan, contract IS NOT NULL AS has_contract FROM documents ORDER BY id'))
      .toEqual([{ id: 1, scan: null, has_contract: true }, { id: 2, scan: null, has_contract: false }]);
    expect((await verifyDatabase({ connection: { connectionString: url }, source: demoRules(FILES_RULES), key: KEY })).findings).toEqual([]);
  });

  it('leaves large objects alone, and reports none, when the database has no large objects', async () => {
    const { url } = await databases.demo();

    const result = await anonymizeDatabase({ connection: { connectionString: url }, source: demoRules(), key: KEY });

    expect(result.progress.largeObjectsUnlinked).toBeUndefined();
    expect((await verifyDatabase({ connection: { connectionString: url }, source: demoRules(), key: KEY })).findings).toEqual([]);
  });

  it('fails verify on a large object no column refers to, naming its oid and never its contents', async () => {
    const { url } = await databases.demo();
    await anonymizeDatabase({ connection: { connectionString: url }, source: demoRules(), key: KEY });
    const [orphan] = await query<{ oid: string }>(url, `SELECT lo_from_bytea(0, convert_to('Statement of ann.smith@gmail.com', 'UTF8'))::text AS oid`);

    const verified = await verifyDatabase({ connection: { connectionString: url }, source: demoRules(), key: KEY });

    expect(verified.findings).toEqual([
      { table: 'pg_largeobject_metadata', column: '', key: `oid=${orphan?.oid}`, kind: "large object no column refers to (production's file, never masked)" },
    ]);
    expect(JSON.stringify(verified)).not.toContain('ann.smith');
    expect(verified.fingerprintsDropped).toBe(false);
  });

  it('searches the files kept columns refer to like bytes: a binary one for originals only, a text one for detected PII too', async () => {
    const { url } = await databases.demo();
    await query(url, `CREATE TABLE documents (id int PRIMARY KEY, scan oid, letter oid);
      INSERT INTO documents VALUES
        (1, lo_from_bytea(0, '\\x00ff'::bytea || convert_to('ann.smith@gmail.com zed.live@gmail.com', 'UTF8')), lo_from_bytea(0, convert_to('Dear zed.live@gmail.com', 'UTF8'))),
        (2, 987654, NULL)`);
    const rules = `${DEMO_RULES}  public.documents:\n    columns: { id: keep, scan: keep, letter: keep }\n`;
    await anonymizeDatabase({ connection: { connectionString: url }, source: demoRules(rules), key: KEY });

    const verified = await verifyDatabase({ connection: { connectionString: url }, source: demoRules(rules), key: KEY });

    // Row 2 refers to no large object (987654 is only a number); the scan's live-looking address is random bytes as far as verify can tell.
    const documents = verified.findings.filter((finding) => finding.table === 'public.documents');
    expect([...new Set(documents.map((finding) => `${finding.column} ${finding.key}`))].sort()).toEqual(['letter id=1', 'scan id=1']);
    // A message quotes Ann's email too, so it is also reported as that message's original.
    expect(documents).toEqual(expect.arrayContaining([
      { table: 'public.documents', column: 'scan', key: 'id=1', kind: 'original value of public.users.email (in the large object it refers to)' },
      { table: 'public.documents', column: 'letter', key: 'id=1', kind: 'email outside reserved fake ranges (in the large object it refers to)' },
    ]));
    expect(JSON.stringify(verified)).not.toContain('ann.smith');
  });

  it('reports a file the role may not read instead of passing it unsearched', async () => {
    const db = await databases.demo();
    await query(db.url, "CREATE TABLE documents (id int PRIMARY KEY, contract oid); INSERT INTO documents VALUES (1, lo_from_bytea(0, 'contract v1'))");
    const [contract] = await query<{ oid: string }>(db.url, 'SELECT contract::text AS oid FROM documents');
    const masker = await databases.masker(db);
    const rules = demoRules(`${DEMO_RULES}  public.documents:\n    columns: { id: keep, contract: keep }\n`);
    await anonymizeDatabase({ connection: { connectionString: masker.url }, source: rules, key: KEY });

    const verified = await verifyDatabase({ connection: { connectionString: masker.url }, source: rules, key: KEY });

    expect(verified.findings).toEqual([
      { table: 'pg_largeobject_metadata', column: '', key: `oid=${contract?.oid}`, kind: 'large object this role may not read (owned by postgres), so its contents were not searched' },
    ]);
  });

  it('refuses, before changing anything and in a dry run too, when it would have to unlink large objects the role does not own', async () => {
    const db = await databases.demo();
    await query(db.url, FILES);
    const masker = await databases.masker(db);
    const before = await largeObjects(db.url);

    const error = await anonymizeDatabase({ connection: { connectionString: masker.url }, source: demoRules(FILES_RULES), key: KEY }).catch((caught: unknown) => caught);
    // A dry run refuses the same, before its samples.
    const dryError = await dryRun({ connectionString: masker.url }, demoRules(FILES_RULES), KEY).catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(ConfigError);
    expect((dryError as Error).message).toBe((error as Error).message);
    // Four would lose their reference; the contract a kept column refers to is not in the way.
    expect((error as Error).message).toMatch(/large objects of postgres: 4 \(oid \d+ among them\) will refer to no kept column once masked .*only their owner postgres can; connect as that owner \(or a member of its role\); nothing was changed/);
    expect(await largeObjects(db.url)).toEqual(before);
    expect(await withClient({ connectionString: db.url }, maskSchemaExists)).toBe(false);
  });
});
