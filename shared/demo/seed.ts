import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type pg from 'pg';

/** How much data the demo's production database gets. */
export interface SeedSize {
  readonly users: number;
  readonly orders: number;
  readonly conversations: number;
  readonly messages: number;
}

/** Sizes for a scale factor: scale 1 is the default demo, 100,000 messages. */
export function seedSizeFor(scale: number): SeedSize {
  const of = (base: number): number => Math.max(1, Math.round(base * scale));
  return { users: of(5_000), orders: of(12_000), conversations: of(20_000), messages: of(100_000) };
}

const FIRST_NAMES = ['Olivia', 'Liam', 'Amelia', 'Noah', 'Isla', 'Oliver', 'Ava', 'Elijah', 'Mia', 'James', 'Sofia', 'Lucas', 'Chloe', 'Mateo', 'Grace', 'Arjun', 'Priya', 'Wei', 'Yuki', 'Fatima', 'Omar', 'Zara', 'Hannah', 'Jonas', 'Ingrid', 'Tomasz', 'Aoife', 'Siobhan', 'Kwame', 'Amara'];
const LAST_NAMES = ['Smith', 'Jones', 'Taylor', 'Brown', 'Williams', 'Wilson', 'Johnson', 'Davies', 'Patel', 'Khan', 'Nguyen', 'Garcia', 'Martinez', 'Müller', 'Schmidt', 'Kowalski', "O'Brien", 'Murphy', 'Rossi', 'Bianchi', 'Tanaka', 'Sato', 'Kim', 'Chen', 'Okafor', 'Mensah', 'Silva', 'Santos', 'Dubois', 'Lefebvre'];
const DOMAINS = ['gmail.com', 'outlook.com', 'yahoo.co.uk', 'icloud.com', 'proton.me', 'hotmail.fr', 'web.de', 'fastmail.com'];
const USER_TEMPLATES = [
  'Hi, where is my order {order}?',
  'Can you send the invoice to {email} please',
  'My phone number changed, it is now {phone}',
  'I ordered {order} last week and it has not arrived',
  'Please call me on {phone} about order {order}',
  'Is {email} the address you have for me?',
  'hello',
  'I want to return {order}',
  'My name is {name} and I need help with {order}',
  'Thanks, that helps!',
];
const BOT_TEMPLATES = [
  'Order {order} is on its way.',
  'I have sent the details to {email}.',
  'Thanks {name}, I have updated your phone number.',
  'How else can I help?',
  'I can help with orders, returns and your details.',
];

/** SQL array literal of text values. */
function textArray(values: readonly string[]): string {
  return `ARRAY[${values.map((value) => `'${value.replace(/'/g, "''")}'`).join(',')}]::text[]`;
}

/**
 * Creates the demo schema and fills it with realistic, generated personal data: users with names,
 * emails and phone numbers; orders; conversations; messages whose free text quotes emails, phone
 * numbers, names and order numbers. Generated in the server with set-based SQL and a fixed seed, so the
 * same scale always gives the same data.
 */
export async function seedProduction(client: pg.Client, size: SeedSize): Promise<void> {
  const schema = await readFile(path.join(__dirname, 'schema.sql'), 'utf8');
  await client.query(schema);
  const first = textArray(FIRST_NAMES);
  const last = textArray(LAST_NAMES);
  const domains = textArray(DOMAINS);
  // pick(array, n) = array[1 + n mod length]: deterministic choices without ORDER BY random().
  await client.query(`
    INSERT INTO users (id, email, full_name, phone, locale, created_at)
    SELECT g,
           lower(replace(f, ' ', '')) || '.' || lower(replace(replace(l, '''', ''), 'ü', 'u')) || g || '@' || d,
           f || ' ' || l,
           CASE WHEN g % 3 = 0 THEN '+44 7' || lpad(((g * 7919) % 1000)::text, 3, '0') || ' ' || lpad(((g * 104729) % 1000000)::text, 6, '0')
                WHEN g % 3 = 1 THEN '+1 415-' || lpad(((g * 7907) % 1000)::text, 3, '0') || '-' || lpad(((g * 6151) % 10000)::text, 4, '0')
                ELSE NULL END,
           (ARRAY['en-GB','en-US','de-DE','fr-FR'])[1 + g % 4],
           timestamptz '2024-01-01' + (g % 600) * interval '1 day'
      FROM generate_series(1::bigint, ${size.users}) AS g,
           LATERAL (SELECT (${first})[1 + g % ${FIRST_NAMES.length}] AS f,
                           (${last})[1 + (g / ${FIRST_NAMES.length} + g * 7) % ${LAST_NAMES.length}] AS l,
                           (${domains})[1 + g % ${DOMAINS.length}] AS d) AS pick`);
  await client.query(`
    INSERT INTO orders (id, user_id, order_number, status, total_cents, placed_at)
    SELECT g, 1 + (g * 7) % ${size.users}, 'ORD-' || (100000 + g),
           (ARRAY['placed','packed','shipped','delivered','returned'])[1 + (g * 13) % 5],
           500 + (g * 4099) % 50000, timestamptz '2025-01-01' + (g % 300) * interval '1 day'
      FROM generate_series(1::bigint, ${size.orders}) AS g`);
  await client.query(`
    INSERT INTO conversations (id, user_id, channel, started_at)
    SELECT g, 1 + (g * 11) % ${size.users}, (ARRAY['web','whatsapp','messenger','sms'])[1 + g % 4],
           timestamptz '2025-01-01' + (g % 300) * interval '1 day'
      FROM generate_series(1::bigint, ${size.conversations}) AS g`);
  // Messages quote the conversation's user's own email, phone, name and one of their orders.
  await client.query(`
    INSERT INTO messages (id, conversation_id, sender, body, sent_at)
    SELECT g, c.id, CASE WHEN g % 2 = 0 THEN 'user' ELSE 'bot' END,
           replace(replace(replace(replace(
             CASE WHEN g % 2 = 0 THEN (${textArray(USER_TEMPLATES)})[1 + (g / 2) % ${USER_TEMPLATES.length}]
                  ELSE (${textArray(BOT_TEMPLATES)})[1 + (g / 2) % ${BOT_TEMPLATES.length}] END,
             '{order}', 'ORD-' || (100000 + 1 + (g * 3) % ${size.orders})),
             '{email}', u.email),
             '{phone}', coalesce(u.phone, '+44 7700 900123')),
             '{name}', u.full_name),
           c.started_at + (g % 50) * interval '1 minute'
      FROM generate_series(1::bigint, ${size.messages}) AS g
      JOIN conversations c ON c.id = 1 + (g - 1) % ${size.conversations}
      JOIN users u ON u.id = c.user_id`);
  await client.query('ANALYZE');
}

/** A few original values the demo's checks search staging for after anonymization (tests use them too). */
export async function sampleOriginals(client: pg.Client, limit = 50): Promise<{ emails: string[]; phones: string[]; names: string[] }> {
  const { rows } = await client.query<{ email: string; phone: string | null; full_name: string }>(
    'SELECT email, phone, full_name FROM users ORDER BY id LIMIT $1', [limit]);
  return {
    emails: rows.map((row) => row.email),
    phones: rows.flatMap((row) => (row.phone ? [row.phone] : [])),
    names: rows.map((row) => row.full_name),
  };
}
