import pg from 'pg';
import { anonymizeDatabase } from '../../../shared/anonymize/anonymize';
import { maskSchemaExists } from '../../../shared/anonymize/mask-schema';
import { RowSecurityError, useEveryRow } from '../../../shared/anonymize/row-security';
import { suggestRules } from '../../../shared/anonymize/suggest';
import { withClient } from '../../../shared/db/client';
import { verifyDatabase } from '../../../shared/verify/verify';
import { query } from '../../support/postgres';
import { allText, demoDatabasesOfFile, demoRules, KEY, ORIGINALS } from './fixtures';

/** A policy that shows a role no message unless it names a conversation, as a multi-tenant app's would. */
const TENANT_POLICY = `ALTER TABLE messages ENABLE ROW LEVEL SECURITY;
  CREATE POLICY tenant ON messages USING (conversation_id = current_setting('app.conversation', true)::bigint)`;

describe('row-level security', () => {
  const databases = demoDatabasesOfFile('rls');

  /** The demo database, and a login role that is neither superuser nor owner of its tables. */
  async function demoWithMasker(): Promise<{ url: string; role: string; maskerUrl: string }> {
    const db = await databases.demo();
    const masker = await databases.masker(db);
    return { url: db.url, role: masker.role, maskerUrl: masker.url };
  }

  it('refuses to mask, before changing anything, when policies would hide rows from a role that does not own the table', async () => {
    const { url, role, maskerUrl } = await demoWithMasker();
    await query(url, TENANT_POLICY);
    const before = await allText(url);

    const error = await anonymizeDatabase({ connection: { connectionString: maskerUrl }, source: demoRules(), key: KEY }).catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(RowSecurityError);
    expect((error as RowSecurityError).exitCode).toBe(2);
    expect((error as RowSecurityError).tables).toEqual([{ table: 'public.messages', role, owner: 'postgres', forced: false, owns: false }]);
    expect((error as Error).message).toContain(`row-level security would hide rows of 1 table from role ${role}, so they would be neither masked nor verified; nothing was changed`);
    expect((error as Error).message).toContain(`public.messages: its policies apply to ${role}, which is not its owner postgres`);
    expect(await allText(url)).toBe(before);
    expect(await withClient({ connectionString: url }, maskSchemaExists)).toBe(false);
  });

  it('refuses to verify through such policies instead of passing on the rows it can see', async () => {
    const { url, maskerUrl } = await demoWithMasker();
    // Masked by a superuser (which sees every row); a message then arrives that the policy hides from the role verifying.
    await anonymizeDatabase({ connection: { connectionString: url }, source: demoRules(), key: KEY });
    await query(url, TENANT_POLICY);
    await query(url, `INSERT INTO messages VALUES (9, 1, 'user', 'write to ' || $1, now())`, [ORIGINALS.emails[1]]);

    const error = await verifyDatabase({ connection: { connectionString: maskerUrl }, source: demoRules(), key: KEY }).catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(RowSecurityError);
    expect(await withClient({ connectionString: url }, maskSchemaExists)).toBe(true);
    const asSuperuser = await verifyDatabase({ connection: { connectionString: url }, source: demoRules(), key: KEY, dropOnPass: false });
    expect(asSuperuser.findings).toContainEqual({ table: 'public.messages', column: 'body', key: 'id=9', kind: expect.any(String) as string });
  });

  it('refuses when the table forces its policies on its owner too', async () => {
    const { url, role, maskerUrl } = await demoWithMasker();
    await query(url, `${TENANT_POLICY}; ALTER TABLE messages OWNER TO ${role}; ALTER TABLE messages FORCE ROW LEVEL SECURITY`);

    const error = await anonymizeDatabase({ connection: { connectionString: maskerUrl }, source: demoRules(), key: KEY }).catch((caught: unknown) => caught);

    expect((error as RowSecurityError).tables).toEqual([{ table: 'public.messages', role, owner: role, forced: true, owns: true }]);
    expect((error as Error).message).toContain(`public.messages: FORCE ROW LEVEL SECURITY applies its policies to its owner ${role} too`);
  });

  it('masks and verifies every row when the role owns the table its policies guard (owners bypass them unless forced)', async () => {
    const { url, role, maskerUrl } = await demoWithMasker();
    await query(url, `${TENANT_POLICY}; ALTER TABLE messages OWNER TO ${role}`);

    await anonymizeDatabase({ connection: { connectionString: maskerUrl }, source: demoRules(), key: KEY });
    const result = await verifyDatabase({ connection: { connectionString: maskerUrl }, source: demoRules(), key: KEY });

    expect(result.findings).toEqual([]);
    const bodies = (await query<{ body: string }>(url, 'SELECT body FROM messages')).map((row) => row.body).join('\n');
    expect(bodies).not.toBe('');
    for (const value of [...ORIGINALS.emails, ...ORIGINALS.phones]) expect(bodies.toLowerCase()).not.toContain(value.toLowerCase());
  });

  it('says, in a suggested rule drawn from sampled values, that policies showed the role only some rows', async () => {
    const { url, role, maskerUrl } = await demoWithMasker();
    await query(url, TENANT_POLICY);

    const rules = await suggestRules({ connectionString: maskerUrl });

    const body = rules.split('\n').find((line) => /^\s+body:/.test(line)) ?? '';
    expect(body).toContain(`row-level security showed ${role} only some rows of this table: review`);
    // A rule the column's type decides, with no values read, needs no such warning.
    const sentAt = rules.split('\n').find((line) => /^\s+sent_at:/.test(line)) ?? '';
    expect(sentAt).toMatch(/keep.*no PII signal \(timestamp/);
    expect(sentAt).not.toContain('row-level security');
  });

  it('makes a read that a policy would filter fail instead, in any session rehearsal masks or verifies with', async () => {
    const { url, maskerUrl } = await demoWithMasker();
    await query(url, TENANT_POLICY);
    const client = new pg.Client(maskerUrl);
    await client.connect();
    try {
      expect((await client.query('SELECT count(*)::int AS n FROM messages')).rows).toEqual([{ n: 0 }]);
      await useEveryRow(client);
      await expect(client.query('SELECT count(*)::int AS n FROM messages')).rejects.toThrow('query would be affected by row-level security policy for table "messages"');
    } finally {
      await client.end();
    }
  });
});
