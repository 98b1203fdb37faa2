import { MASK_SCHEMA } from './core';

/**
 * `digit_parts(run, t)` lists the parts of a digit run that `digit_kind` leaves unclassified, cut at
 * its separators (its groups of digits stay whole), in order, as rows of a two-dimensional array
 * (kind, text, where it starts in the run), or NULL when there are none (`t`: the text the run is in;
 * an array, not a set: a set-returning function is a node per run in a scan, or a query in PL/pgSQL):
 * - a phone number from a `+` inside the run (`ticket 4521 - +44 …`) or starting it (a
 *   phone, then a number): the longest run of whole groups from the `+` with 8 to 15 digits. A `+`
 *   glued to a digit is a space in a form body, and starts nothing;
 * - an IPv4 address with a number before or after it;
 * - a card number written against other digits (`<card> 12/27 123`: the run ends at the slash, and
 *   holds the card and its expiry month; a card, then its CVV; a count, then a card): in each stretch
 *   of groups of 3 digits or more (timestamps, dates, prices and lists of small numbers make none),
 *   its longest prefix, then its longest suffix, laid out as a card is written (one group; groups of
 *   4, the last of 3 or 4; 4-6-5 or 4-6-4: a list of order numbers is none), that `digit_kind` calls
 *   a card, outside an IBAN (`in_iban`: a German or Italian IBAN's 18 or 19 digits start with a
 *   Luhn-valid card-shaped prefix one time in ten). Trying every window of groups would give more
 *   chances to a run of four-digit numbers (rooms, codes) of passing Luhn by chance.
 *
 * Parts never overlap. `digit_kind(run, t)` calls a run holding some 'parts'; `digit_part_rows(run, t)`
 * lists them as rows, for verify's scan; `digit_run_fake(run, t, kind)` gives the run with them (or,
 * for a card, the whole run) replaced by their fakes. Installed with the detectors (detectors.ts),
 * which call them.
 */
export function digitPartsSql(): string {
  const s = MASK_SCHEMA;
  return `
CREATE FUNCTION ${s}.digit_parts(run text, t text) RETURNS text[] LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $fn$
DECLARE g text[] := regexp_split_to_array(run, '[^0-9]+');
  n int; st int[] := '{}'; en int[] := '{}'; sep text[] := '{}'; starts boolean[] := '{}'; fours int[] := '{}'; part text[] := '{}'; pk text[] := '{}'; r text[] := '{}';
  p int := 1; i int; j int; k int; low int; total int := 0; plus int; stretch int := 0; longest int := 0; cand text;
BEGIN
  -- g: the groups of digits; sep[i]: what comes before group i (sep[1]: a leading + or parenthesis, or
  -- nothing; sep[n + 1]: nothing); starts[i]: whether a phone may start at group i (a + before it,
  -- after a separator: a + glued to a digit is a space in a form body); part[i], pk[i]: the part
  -- starting at group i, and its kind; a part's other groups hold ''. A separator holds no digit, so
  -- group i starts at the first digit after group i - 1.
  IF g[1] = '' THEN g := g[2:]; END IF;
  n := cardinality(g);
  IF n < 2 THEN RETURN NULL; END IF;
  FOR i IN 1..n LOOP
    st[i] := p + strpos(substr(run, p), g[i]) - 1; en[i] := st[i] + length(g[i]) - 1;
    sep[i] := substr(run, p, st[i] - p); p := en[i] + 1; part[i] := NULL;
    starts[i] := right(sep[i], 1) = '+' AND (i = 1 OR (length(sep[i]) >= 2 AND substr(sep[i], length(sep[i]) - 1, 1) <> '+'));
    -- The digits before the first + that may start a phone; the longest stretch a card may be in (groups of 3 digits or more, with no dot, + or parenthesis between).
    IF plus IS NULL AND right(sep[i], 1) = '+' THEN plus := total; END IF;
    total := total + length(g[i]);
    stretch := CASE WHEN length(g[i]) < 3 THEN 0 WHEN i = 1 OR translate(sep[i], '.+()', '') = sep[i] THEN stretch + length(g[i]) ELSE length(g[i]) END;
    longest := greatest(longest, stretch);
  END LOOP;
  sep[n + 1] := '';
  -- Nothing to find: no stretch of 13 digits (a card), no + with 8 digits after it (a phone), no three dots (an address).
  IF longest < 13 AND coalesce(total - plus, 0) < 8 AND length(run) - length(replace(run, '.', '')) < 3 THEN RETURN NULL; END IF;
  -- A phone number from each place one may start: the longest run of whole groups from its + with at
  -- most 15 digits, up to the next such place, if it has 8 at least.
  FOR i IN 1..n LOOP
    CONTINUE WHEN part[i] IS NOT NULL OR NOT starts[i];
    j := i; total := length(g[i]);
    WHILE j < n AND NOT starts[j + 1] AND total + length(g[j + 1]) <= 15 LOOP j := j + 1; total := total + length(g[j]); END LOOP;
    IF total >= 8 THEN
      cand := substr(run, st[i] - 1, en[j] - st[i] + 2);
      IF ${s}.digit_kind(cand) = 'phone' THEN
        FOR k IN i..j LOOP part[k] := ''; END LOOP;
        part[i] := cand; pk[i] := 'phone';
      END IF;
    END IF;
  END LOOP;
  -- An IPv4 address: four groups joined by dots, with no dot before or after them.
  FOR i IN 1..n - 3 LOOP
    CONTINUE WHEN part[i] IS NOT NULL OR part[i + 3] IS NOT NULL OR sep[i + 1] <> '.' OR sep[i + 2] <> '.' OR sep[i + 3] <> '.' OR strpos(sep[i], '.') > 0 OR strpos(sep[i + 4], '.') > 0;
    cand := substr(run, st[i], en[i + 3] - st[i] + 1);
    IF ${s}.digit_kind(cand) = 'ipv4' THEN
      FOR k IN i..i + 3 LOOP part[k] := ''; END LOOP;
      part[i] := cand; pk[i] := 'ipv4';
    END IF;
  END LOOP;
  -- A card in each stretch of groups of 3 digits or more (groups i to k): its longest prefix of 13 to
  -- 19 digits laid out as a card is written (one group; groups of 4, the last of 3 or 4; 4-6-5 or
  -- 4-6-4), that digit_kind calls a card, outside an IBAN; then, after it, its longest such suffix.
  -- fours[i]: how many groups of 4 digits follow one another from group i.
  fours[n + 1] := 0;
  FOR i IN REVERSE n..1 LOOP fours[i] := CASE WHEN length(g[i]) = 4 THEN fours[i + 1] + 1 ELSE 0 END; END LOOP;
  i := 1;
  WHILE longest >= 13 AND i <= n LOOP
    IF part[i] IS NOT NULL OR length(g[i]) < 3 THEN i := i + 1; CONTINUE; END IF;
    k := i;
    WHILE k < n AND part[k + 1] IS NULL AND length(g[k + 1]) >= 3 LOOP k := k + 1; END LOOP;
    low := i + 1;
    j := i - 1; total := 0;
    WHILE j < k AND total + length(g[j + 1]) <= 19 LOOP j := j + 1; total := total + length(g[j]); END LOOP;
    WHILE total >= 13 LOOP
      cand := substr(run, st[i], en[j] - st[i] + 1);
      IF NOT (i = 1 AND j = n) AND (i = j OR (fours[i] >= j - i AND length(g[j]) <= 4) OR (j = i + 2 AND length(g[i]) = 4 AND length(g[i + 1]) = 6 AND length(g[j]) >= 4)) AND ${s}.digit_kind(cand) = 'card' AND NOT ${s}.in_iban(t, cand) THEN
        part[i] := cand; pk[i] := 'card'; low := j + 1; EXIT;
      END IF;
      total := total - length(g[j]); j := j - 1;
    END LOOP;
    j := k + 1; total := 0;
    WHILE j > low AND total + length(g[j - 1]) <= 19 LOOP j := j - 1; total := total + length(g[j]); END LOOP;
    WHILE total >= 13 LOOP
      cand := substr(run, st[j], en[k] - st[j] + 1);
      IF NOT (j = 1 AND k = n) AND (j = k OR (fours[j] >= k - j AND length(g[k]) <= 4) OR (k = j + 2 AND length(g[j]) = 4 AND length(g[j + 1]) = 6 AND length(g[k]) >= 4)) AND ${s}.digit_kind(cand) = 'card' AND NOT ${s}.in_iban(t, cand) THEN
        part[j] := cand; pk[j] := 'card'; EXIT;
      END IF;
      total := total - length(g[j]); j := j + 1;
    END LOOP;
    i := k + 1;
  END LOOP;
  FOR i IN 1..n LOOP
    IF part[i] <> '' THEN r := r || ARRAY[[pk[i], part[i], (CASE WHEN pk[i] = 'phone' THEN st[i] - 1 ELSE st[i] END)::text]]; END IF;
  END LOOP;
  RETURN CASE WHEN cardinality(r) > 0 THEN r END;
END
$fn$;

-- The rows of digit_parts(run, t), when digit_kind leaves the run unclassified: what verify's scan
-- joins to a run (STRICT: a NULL run, as for most, costs no call).
CREATE FUNCTION ${s}.digit_part_rows(run text, t text) RETURNS TABLE (kind text, token text) LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $fn$
DECLARE p text[];
BEGIN
  IF ${s}.digit_kind(run) IS NULL THEN
    p := ${s}.digit_parts(run, t);
    FOR i IN 1..coalesce(array_length(p, 1), 0) LOOP
      kind := p[i][1]; token := p[i][2]; RETURN NEXT;
    END LOOP;
  END IF;
END
$fn$;

-- The run with its parts replaced by their fakes (a card's by card(), a phone's by phone(), a public
-- IPv4 address's by ip()), or, when kind is 'card', the whole run by its card fake. A card's fake is
-- never Luhn-valid (its Luhn sum ends in 1), but the run around it, or a part of the run holding some
-- of its digits, may be, and verify would read a card there: digits before the fake, or an even
-- number of them after it (a count, an expiry month), add the same to the run's sum whatever the
-- fake's digits, so one run in ten is valid with every attempt. Then the fake's last digit moves by 1
-- to 8 (its own sum ends in 2 to 9), and then its other digits are drawn again (attempt 1, 2, ...),
-- until nothing there reads as a card.
CREATE FUNCTION ${s}.digit_run_fake(run text, t text, kind text) RETURNS text LANGUAGE plpgsql STABLE PARALLEL SAFE AS $fn$
DECLARE found text[]; parts text[] := '{}'; kinds text[] := '{}'; ats int[] := '{}'; r text; f text; pos int; variant int := 0;
BEGIN
  IF kind = 'card' THEN
    parts := ARRAY[run]; kinds := ARRAY['card']; ats := ARRAY[1];
  ELSE
    found := ${s}.digit_parts(run, t);
    IF found IS NULL THEN RETURN run; END IF;
    FOR i IN 1..array_length(found, 1) LOOP
      kinds[i] := found[i][1]; parts[i] := found[i][2]; ats[i] := found[i][3]::int;
    END LOOP;
  END IF;
  LOOP
    r := ''; pos := 1;
    FOR i IN 1..cardinality(parts) LOOP
      IF kinds[i] = 'card' THEN
        f := ${s}.card(parts[i], NULL, variant / 9);
        IF variant % 9 > 0 THEN f := left(f, -1) || ((right(f, 1)::int + variant % 9) % 10)::text; END IF;
      ELSIF kinds[i] = 'phone' THEN
        f := ${s}.phone(parts[i]);
      ELSE
        f := CASE WHEN ${s}.is_reserved_ip(parts[i]) THEN parts[i] ELSE ${s}.ip(parts[i]) END;
      END IF;
      r := r || substr(run, pos, ats[i] - pos) || f;
      pos := ats[i] + length(parts[i]);
    END LOOP;
    r := r || substr(run, pos);
    EXIT WHEN NOT ('card' = ANY (kinds)) OR variant = 44
      OR (${s}.digit_kind(r) IS NULL AND NOT coalesce('card' = ANY ((${s}.digit_parts(r, t))[:][1:1]), false));
    variant := variant + 1;
  END LOOP;
  RETURN r;
END
$fn$;
`;
}
