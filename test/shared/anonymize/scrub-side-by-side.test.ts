import { maskSchemaSession } from '../../support/mask-session';
import { piiTexts } from '../../support/pii-texts';
import { KEY } from './fixtures';

describe('scrub_text on PII written side by side', () => {
  const { client } = maskSchemaSession('sidebyside', KEY);

  it('replaces all the PII written in 1,500 texts of every kind of PII next to one another and to other numbers, and leaves nothing the detectors read as PII', async () => {
    const texts = piiTexts(1500, 26);
    // after: what the detectors read in the scrubbed text, and the PII they read in the original that is still there (kept).
    const { rows } = await client().query<{ t: string; scrubbed: string; after: string[] }>(
      `SELECT x.t, x.scrubbed,
              array(SELECT kind || ' ' || token FROM rehearsal_mask.pii_found(x.scrubbed)
                    UNION ALL SELECT 'kept ' || kind || ' ' || token FROM rehearsal_mask.pii_found(x.t) WHERE strpos(x.scrubbed, token) > 0) AS after
         FROM (SELECT u.t, rehearsal_mask.scrub_text(u.t) AS scrubbed FROM unnest($1::text[]) WITH ORDINALITY AS u(t, i) ORDER BY u.i) AS x`, [texts.map(({ text }) => text)]);
    // The PII each text was written with that its scrubbed text still holds, whether the detectors read it or not.
    const kept = rows.map((row, i) => ({ ...row, after: [...row.after, ...(texts[i]?.pii ?? []).filter((value) => row.scrubbed.includes(value)).map((value) => `written ${value}`)] }));

    // What a failure prints: each text, what it became, and what is still in it.
    expect(kept.filter((row) => row.after.length > 0).map(({ t, scrubbed, after }) => ({ t, scrubbed, after }))).toEqual([]);
    // The texts do quote PII.
    expect(texts.filter(({ pii }) => pii.length > 0).length).toBeGreaterThan(1300);
  });
});
