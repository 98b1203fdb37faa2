import { anonymizeDatabase } from '../../../shared/anonymize/anonymize';
import { parseRulesText } from '../../../shared/anonymize/rules-source';
import { verifyDatabase } from '../../../shared/verify/verify';
import { createDatabase, dropDatabases, query, uniqueName } from '../../support/postgres';
import { KEY } from './fixtures';

const ORIGINAL = { username: 'anna_ws42', street: '12 Harbour Lane', city: 'Kirkwall', postcode: 'YO21 3PU' };
const NOTE = `Parcel for ${ORIGINAL.username} to ${ORIGINAL.street}, ${ORIGINAL.city} ${ORIGINAL.postcode}. Call before noon.`;

const rules = (noteRule: string) => parseRulesText(`tables:
  public.customers:
    columns: { id: keep, username: username, street: street, city: city, postcode: postcode }
  public.notes:
    columns: { id: keep, customer_id: keep, body: ${noteRule} }
`, 'rules.yaml');

async function customerDatabase(): Promise<{ name: string; url: string }> {
  const name = uniqueName('known');
  const url = await createDatabase(name);
  await query(url, `COMMENT ON DATABASE "${name}" IS 'rehearsal:candidate';
    CREATE TABLE customers (id bigint PRIMARY KEY, username text NOT NULL, street text, city text, postcode text);
    CREATE TABLE notes (id bigint PRIMARY KEY, customer_id bigint REFERENCES customers (id), body text)`);
  await query(url, 'INSERT INTO customers VALUES (1, $1, $2, $3, $4)', [ORIGINAL.username, ORIGINAL.street, ORIGINAL.city, ORIGINAL.postcode]);
  await query(url, 'INSERT INTO notes VALUES (1, 1, $1)', [NOTE]);
  return { name, url };
}

describe('values masked elsewhere, quoted in free text', () => {
  const created: string[] = [];
  afterAll(() => dropDatabases(...created));

  it('gives a quoted username, street, city and postcode the very fakes their columns get, and verify passes', async () => {
    const { name, url } = await customerDatabase();
    created.push(name);

    await anonymizeDatabase({ connection: { connectionString: url }, source: rules('scrubText'), key: KEY });

    const [customer] = await query<typeof ORIGINAL>(url, 'SELECT username, street, city, postcode FROM customers');
    const [note] = await query<{ body: string }>(url, 'SELECT body FROM notes');
    expect(note?.body).toBe(`Parcel for ${customer?.username} to ${customer?.street}, ${customer?.city} ${customer?.postcode}. Call before noon.`);
    for (const value of Object.values(ORIGINAL)) expect(note?.body).not.toContain(value);
    const verified = await verifyDatabase({ connection: { connectionString: url }, source: rules('scrubText'), key: KEY });
    expect(verified.findings).toEqual([]);
  });

  it('has verify find those values in text no rule masked, naming the column they came from', async () => {
    const { name, url } = await customerDatabase();
    created.push(name);

    await anonymizeDatabase({ connection: { connectionString: url }, source: rules('keep'), key: KEY });
    const verified = await verifyDatabase({ connection: { connectionString: url }, source: rules('keep'), key: KEY });

    expect(verified.findings.map(({ kind }) => kind).sort()).toEqual([
      'original value of public.customers.city', 'original value of public.customers.postcode',
      'original value of public.customers.street', 'original value of public.customers.username',
    ]);
    expect(new Set(verified.findings.map(({ table, column, key }) => `${table}.${column} ${key}`))).toEqual(new Set(['public.notes.body id=1']));
    expect(JSON.stringify(verified)).not.toContain(ORIGINAL.street);
  });
});
