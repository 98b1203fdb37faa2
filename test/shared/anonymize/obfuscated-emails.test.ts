import { anonymizeDatabase } from '../../../shared/anonymize/anonymize';
import { verifyDatabase } from '../../../shared/verify/verify';
import { dropDatabases, query } from '../../support/postgres';
import { maskSchemaSession } from '../../support/mask-session';
import { createDemoDatabase, DEMO_RULES, demoRules, KEY, ORIGINALS } from './fixtures';

/** Emails written so a harvester would not read them, in a text, and the address each spells. */
const OBFUSCATED: readonly (readonly [text: string, written: string, address: string])[] = [
  ['write to anna at gmail dot com please', 'anna at gmail dot com', 'anna@gmail.com'],
  ['reach me: bob at acme dot com', 'bob at acme dot com', 'bob@acme.com'],
  ['j.smith at acme dot co dot uk', 'j.smith at acme dot co dot uk', 'j.smith@acme.co.uk'],
  ['bob dot jones at acme dot com', 'bob dot jones at acme dot com', 'bob.jones@acme.com'],
  ['contact maria [at] univ [dot] edu', 'maria [at] univ [dot] edu', 'maria@univ.edu'],
  ['maria(at)univ(dot)edu', 'maria(at)univ(dot)edu', 'maria@univ.edu'],
  ['Maria AT univ DOT edu.', 'Maria AT univ DOT edu', 'Maria@univ.edu'],
  ['ANNA AT GMAIL DOT COM', 'ANNA AT GMAIL DOT COM', 'ANNA@GMAIL.COM'],
  ['メール: anna\uff20gmail\uff0ecom まで', 'anna\uff20gmail\uff0ecom', 'anna@gmail.com'],
  ['<a href="mailto:anna&#64;gmail.com">', 'anna&#64;gmail.com', 'anna@gmail.com'],
  ['anna&commat;acme.io', 'anna&commat;acme.io', 'anna@acme.io'],
  ['anna@acme[dot]io', 'anna@acme[dot]io', 'anna@acme.io'],
  ['anna @ acme.io', 'anna @ acme.io', 'anna@acme.io'],
];

/** Prose and markup that read like an obfuscated email, and are none. */
const EMAIL_LOOK_ALIKES: readonly string[] = [
  'meet at noon dot com launch', 'look at this', 'I work at amazon.com', 'we met at the dot com launch', 'MEET AT NOON DOT COM LAUNCH',
  'available at amazon dot com', 'Sarah trained at harvard dot edu before joining', 'the meetup at google dot com campus was fun',
  'prices at costco dot com went up', 'rates at 3 dot 5 percent', 'a polka dot dress', 'thanks @ann.lee', 'see you @ the mall',
  'Tom &amp; Jerry &#39;s', 'priced (at) par', 'CPU @ 2.60GHz', 'he works at facebook dot com in london',
];

describe('emails obfuscated in text', () => {
  const { one, client } = maskSchemaSession('obfuscated', KEY);

  it('scrubs an email whose @ or dots are written as words, in brackets, in capitals, fullwidth or as HTML entities with the fake of the address it spells, written plainly', async () => {
    for (const [text, written, address] of OBFUSCATED) {
      const scrubbed = await one<string>('rehearsal_mask.scrub_text($1)', [text]);
      const found = await client().query<{ kind: string; token: string }>('SELECT kind, token FROM rehearsal_mask.pii_found($1)', [text]);

      expect({ text, scrubbed }).toEqual({ text, scrubbed: text.replace(written, await one<string>('rehearsal_mask.email($1)', [address])) });
      expect({ text, found: found.rows }).toEqual({ text, found: [{ kind: 'email', token: address }] });
      expect((await client().query('SELECT * FROM rehearsal_mask.pii_found($1)', [scrubbed])).rows).toEqual([]);
    }
  });

  it('reads the word at between spaces as an address\'s @ only at a mail provider, after a handle, in a text that speaks of mail, or in capitals', async () => {
    const cases: [candidate: string, text: string, address: string | null][] = [
      ['bob at acme dot com', 'bob at acme dot com', null], ['anna at gmail dot com', 'anna at gmail dot com', 'anna@gmail.com'],
      ['bob_99 at acme dot com', 'bob_99 at acme dot com', 'bob_99@acme.com'], ['bob at acme dot com', 'bob at acme dot com (his email)', 'bob@acme.com'],
      ['bob AT acme.com', 'bob AT acme.com', 'bob@acme.com'], ['bob at acme.com', 'email bob at acme.com', null],
    ];
    const { rows } = await client().query<{ address: string | null }>(
      'SELECT rehearsal_mask.email_unobfuscated(c, t) AS address FROM unnest($1::text[], $2::text[]) WITH ORDINALITY AS u(c, t, i) ORDER BY i',
      [cases.map(([candidate]) => candidate), cases.map(([, text]) => text)]);

    expect(rows.map(({ address }) => address)).toEqual(cases.map(([, , address]) => address));
  });

  it('leaves prose and markup that read like an obfuscated email as they were, and finds nothing in them', async () => {
    const { rows } = await client().query<{ t: string; scrubbed: string; found: string[] }>(
      `SELECT u.t, rehearsal_mask.scrub_text(u.t) AS scrubbed, array(SELECT kind FROM rehearsal_mask.pii_found(u.t)) AS found
         FROM unnest($1::text[]) WITH ORDINALITY AS u(t, i) ORDER BY u.i`, [EMAIL_LOOK_ALIKES]);

    expect(rows).toEqual(EMAIL_LOOK_ALIKES.map((t) => ({ t, scrubbed: t, found: [] })));
  });
});

describe('anonymize and verify with obfuscated emails', () => {
  const created: string[] = [];
  afterAll(() => dropDatabases(...created));

  it('scrubs a user\'s obfuscated email with that user\'s fake so verify passes, and verify finds one kept as the original it spells', async () => {
    // Prepare: notes quoting a user's email (ORIGINALS.emails) obfuscated (scrubbed, and kept), another
    // writing of it kept only, an address nobody has kept only, and look-alikes in both columns.
    const rules = `${DEMO_RULES}  public.notes:\n    columns: { id: keep, kept: keep, scrubbed: scrubText }\n`;
    const db = await createDemoDatabase('obfuscatedverify');
    created.push(db.name);
    await query(db.url, 'CREATE TABLE notes (id int PRIMARY KEY, kept text, scrubbed text)');
    await query(db.url, 'INSERT INTO notes VALUES (1, $1, $1), (2, $2, NULL), (3, $3, NULL)',
      ['write to ann.smith at gmail dot com please', 'mail: ann.smith [at] gmail [dot] com', 'zed&#64;elsewhere.io']);
    await query(db.url, 'INSERT INTO notes SELECT 3 + i, t, t FROM unnest($1::text[]) WITH ORDINALITY AS u(t, i)', [EMAIL_LOOK_ALIKES]);

    // Act
    await anonymizeDatabase({ connection: { connectionString: db.url }, source: demoRules(rules), key: KEY });
    const result = await verifyDatabase({ connection: { connectionString: db.url }, source: demoRules(rules), key: KEY });

    // Assert: the quoted email got its user's fake; look-alikes are as they were.
    const [user] = await query<{ email: string }>(db.url, 'SELECT email FROM users WHERE id = 1');
    const notes = await query<{ scrubbed: string | null }>(db.url, 'SELECT scrubbed FROM notes ORDER BY id');
    expect(ORIGINALS.emails[0]).toBe('ann.smith@gmail.com');
    expect(notes[0]?.scrubbed).toBe(`write to ${user?.email} please`);
    expect(notes.slice(3).map((note) => note.scrubbed)).toEqual(EMAIL_LOOK_ALIKES);
    // Kept, each is found as the original it spells, or as an email nobody's rule masked.
    expect(result.findings.filter(({ table, key }) => table === 'public.notes' && key.startsWith('id=')).map(({ column, key, kind }) => `${column} ${key} ${kind}`).sort()).toEqual([
      'kept id=1 original value of public.messages.body',
      'kept id=1 original value of public.notes.scrubbed',
      'kept id=1 original value of public.users.email',
      'kept id=2 original value of public.messages.body',
      'kept id=2 original value of public.notes.scrubbed',
      'kept id=2 original value of public.users.email',
      'kept id=3 email outside reserved fake ranges',
    ]);
  });
});
