import { anonymizeDatabase } from '../../../shared/anonymize/anonymize';
import { parseRulesText } from '../../../shared/anonymize/rules-source';
import { verifyDatabase } from '../../../shared/verify/verify';
import { createDatabase, dropDatabases, query, serverUrl, uniqueName } from '../../support/postgres';
import { KEY } from './fixtures';

const ORIGINAL = { email: 'ines.okafor@corp-mail.com', fullName: 'Ines Okafor', phone: '+44 7700 900123', street: '12 Harbour Lane', city: 'Kirkwall' };
const NOTE = `Ines Okafor lives at 12 Harbour Lane, Kirkwall; write to ines.okafor@corp-mail.com or call +44 7700 900123.`;

const rules = (noteRule: string) => parseRulesText(`tables:
  public.customers:
    columns: { id: keep, email: email, full_name: fullName, phone: phone, street: street, city: city }
  public.notes:
    columns: { id: keep, customer_id: keep, body: ${noteRule} }
`, 'rules.yaml');

/**
 * A database where every scan runs over parallel workers whatever the table size, with the leader
 * only gathering: the fingerprints, known values and free-text hits are then computed by workers,
 * which must see the session's masking key exactly as the leader does.
 */
async function parallelDatabase(): Promise<{ name: string; url: string }> {
  const name = uniqueName('parallel');
  const url = await createDatabase(name);
  await query(url, `ALTER DATABASE "${name}" SET min_parallel_table_scan_size = 0`);
  await query(url, `ALTER DATABASE "${name}" SET parallel_leader_participation = off`);
  await query(url, `COMMENT ON DATABASE "${name}" IS 'rehearsal:candidate';
    CREATE TABLE customers (id bigint PRIMARY KEY, email text NOT NULL UNIQUE, full_name text, phone text, street text, city text);
    CREATE TABLE notes (id bigint PRIMARY KEY, customer_id bigint REFERENCES customers (id), body text)`);
  await query(url, 'INSERT INTO customers VALUES (1, $1, $2, $3, $4, $5)', [ORIGINAL.email, ORIGINAL.fullName, ORIGINAL.phone, ORIGINAL.street, ORIGINAL.city]);
  await query(url, `INSERT INTO customers SELECT i, 'person' || i || '@corp-mail.com', 'Person' || i || ' Example', NULL, NULL, NULL FROM generate_series(2, 500) AS i`);
  await query(url, 'INSERT INTO notes VALUES (1, 1, $1)', [NOTE]);
  await query(url, `INSERT INTO notes SELECT i, i, 'Person' || i || ' Example asked about Ines Okafor again' FROM generate_series(2, 500) AS i`);
  await query(url, 'ANALYZE');
  return { name, url };
}

async function parallelWorkersLaunched(name: string): Promise<number> {
  const [row] = await query<{ n: string }>(serverUrl(), 'SELECT parallel_workers_launched AS n FROM pg_stat_database WHERE datname = $1', [name]);
  return Number(row?.n ?? 0);
}

describe('anonymize with parallel workers', () => {
  const created: string[] = [];
  afterAll(() => dropDatabases(...created));

  it('masks free text with the same fakes and passes verify when workers do the hashing', async () => {
    const { name, url } = await parallelDatabase();
    created.push(name);

    const result = await anonymizeDatabase({ connection: { connectionString: url }, source: rules('scrubText'), key: KEY, stageFromRows: 0 });

    expect(result.progress.tables.map(({ table, mode }) => [table, mode])).toEqual([['public.customers', 'staged'], ['public.notes', 'staged']]);

    const [customer] = await query<{ email: string; full_name: string; street: string; city: string }>(url, 'SELECT email, full_name, street, city FROM customers WHERE id = 1');
    const [note] = await query<{ body: string }>(url, 'SELECT body FROM notes WHERE id = 1');
    expect(note?.body).toContain(customer?.email);
    expect(note?.body).toContain(`${customer?.street}, ${customer?.city}`);
    for (const value of Object.values(ORIGINAL)) expect(note?.body).not.toContain(value);
    const verified = await verifyDatabase({ connection: { connectionString: url }, source: rules('scrubText'), key: KEY });
    expect(verified.findings).toEqual([]);
    // The work really ran on workers (PostgreSQL 18 counts them per database; flushed when sessions end).
    let launched = 0;
    for (let attempt = 0; attempt < 50 && launched === 0; attempt += 1) {
      launched = await parallelWorkersLaunched(name);
      if (launched === 0) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(launched).toBeGreaterThan(0);
  });

  it('has verify find originals kept in unmasked text, from fingerprints the workers took', async () => {
    const { name, url } = await parallelDatabase();
    created.push(name);

    await anonymizeDatabase({ connection: { connectionString: url }, source: rules('keep'), key: KEY });
    const verified = await verifyDatabase({ connection: { connectionString: url }, source: rules('keep'), key: KEY });

    const kinds = new Set(verified.findings.map(({ kind }) => kind));
    for (const column of ['email', 'phone', 'street', 'city']) expect(kinds).toContain(`original value of public.customers.${column}`);
    expect(verified.findings.filter(({ key }) => key === 'id=1').map(({ table, column }) => `${table}.${column}`)).toContain('public.notes.body');
  });
});
