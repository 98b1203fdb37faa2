import type pg from 'pg';

/**
 * The benchmark's data: `users` (10 columns, 7 masked, among them a unique email and a free-text bio
 * quoting emails and phone numbers) and `orders`, a child table referencing it whose contact_email
 * repeats its user's email (so consistent masking can be checked). Built with set-based SQL.
 */
/** The masking key every method of the benchmark masks with. */
export const BENCH_KEY = Buffer.from('bench-masking-key-0123456789');

export const BENCH_SCHEMA = `
CREATE TABLE users (id bigint PRIMARY KEY, email text NOT NULL UNIQUE, full_name text NOT NULL, phone text, street text,
  city text, postcode text, bio text, created_at timestamptz NOT NULL, status text NOT NULL);
CREATE TABLE orders (id bigint PRIMARY KEY, user_id bigint NOT NULL REFERENCES users (id), total_cents int NOT NULL,
  contact_email text, placed_at timestamptz NOT NULL);
CREATE INDEX orders_user_id_idx ON orders (user_id);`;

/** Fills the tables with `rows` users and `rows` orders. */
export async function fillBenchData(client: pg.Client, rows: number): Promise<void> {
  await client.query(BENCH_SCHEMA);
  await client.query(`INSERT INTO users
    SELECT i, 'user' || i || '.' || substr(md5(i::text), 1, 6) || '@mail' || (i % 97) || '.com',
           'Person' || substr(md5(i::text), 1, 6) || ' Surname' || (i % 1000),
           CASE WHEN i % 10 = 0 THEN NULL ELSE '+44 7' || lpad((i % 1000000000)::text, 9, '0') END,
           (i % 300) || ' Long Street', 'City' || (i % 500), 'AB' || (i % 99) || ' ' || (i % 9) || 'CD',
           CASE WHEN i % 2 = 0 THEN 'Hello, reach me at other' || i || '@gmail.com or on +44 7' || lpad(((i * 7) % 1000000000)::text, 9, '0') || ', thanks'
                ELSE 'I like long walks and tea, nothing personal here.' END,
           now() - (i || ' minutes')::interval, 'active'
      FROM generate_series(1, $1::int) AS i`, [rows]);
  await client.query(`INSERT INTO orders
    SELECT i, u.id, (i % 10000), u.email, now() - (i || ' seconds')::interval
      FROM generate_series(1, $1::int) AS i JOIN users u ON u.id = 1 + (i::bigint * 7919) % $1::int`, [rows]);
  await client.query('VACUUM ANALYZE users');
  await client.query('VACUUM ANALYZE orders');
}

/**
 * Makes one bio in `every` quote its customer, as a support or delivery bot's log does: `… Regards,
 * <full name> from <city>`. Each quoting bio adds known values free text quotes (the full name, its two
 * words, the city; bios that far apart share their last name and city): a hundred bios quote about 200,
 * a tenth of a million about 200,000, both more than one pattern of them all is worth (the path where
 * each text gets a pattern of its own).
 */
export const quoteCustomersSql = (every: number): string =>
  `UPDATE users SET bio = bio || ' Regards, ' || full_name || ' from ' || city WHERE id % ${every} = 3`;

/**
 * Makes one bio in `every` quote its customer's street and postcode in small letters, as a delivery
 * chat does (`… Ship to 12 long street, ab12 3cd please.`): found around the street's head word (the
 * search of capitalised runs does not read it), and then read word by word when the table is masked.
 */
export const quotePlacesSql = (every: number): string =>
  `UPDATE users SET bio = bio || ' Ship to ' || lower(street) || ', ' || lower(postcode) || ' please.' WHERE id % ${every} = 7`;

/** Rules for rehearsal covering both tables. */
export const BENCH_RULES = `tables:
  public.users:
    columns:
      id: keep
      email: email
      full_name: fullName
      phone: phone
      street: street
      city: city
      postcode: postcode
      bio: scrubText
      created_at: keep
      status: keep
  public.orders:
    columns: { id: keep, user_id: keep, total_cents: keep, contact_email: email, placed_at: keep }
`;

/** (b) The in-database floor: one hand-written UPDATE per table with md5 transforms and constant regex replacements. */
export const MD5_UPDATE = `
BEGIN;
UPDATE users SET
  email = md5('salt' || email) || '@example.com',
  full_name = 'N' || left(md5('salt' || full_name), 12),
  phone = '+44 ' || left(translate(md5('salt' || phone), 'abcdef', '012345'), 10),
  street = left(md5('salt' || street), 14),
  city = left(md5('salt' || city), 8),
  postcode = left(md5('salt' || postcode), 7),
  bio = regexp_replace(regexp_replace(bio, '[[:alnum:]._%+-]+@[[:alnum:].-]+', 'x@example.com', 'g'), '\\+[0-9][0-9 ]{7,16}[0-9]', '+44 0000000000', 'g');
UPDATE orders SET contact_email = md5('salt' || contact_email) || '@example.com';
COMMIT;`;
