import { MASK_SCHEMA } from './core';
import { opensNoAreaCodeSql } from './number-layout';

/** SQL telling whether the text `piece` (an SQL expression) opens a parenthesis it does not close after. */
const unclosedSql = (piece: string): string => `(strpos(${piece}, '(') > 0 AND strpos(${piece}, ')') < strpos(${piece}, '('))`;

/**
 * `digit_parts(run, t)` lists the parts of a digit run that `digit_kind` leaves unclassified, cut at
 * its separators (its groups of digits stay whole), in order, as rows of a two-dimensional array
 * (kind, text, where it starts in the run), or NULL when there are none (`t`: the text the run is in;
 * an array, not a set: a set-returning function is a node per run in a scan, or a query in PL/pgSQL).
 * In this order, each among the groups no part took:
 * - an IPv4 address with a number before or after it;
 * - a phone number from a `+` inside the run (`ticket 4521 - +44 …`) or starting it (a phone, then a
 *   number): the longest run of whole groups from the `+` with 8 to 15 digits, to a space. A `+`
 *   glued to a digit is a space in a form body, and starts nothing;
 * - a card number written against other digits (`<card> 12/27 123`: the run ends at the slash, and
 *   holds the card and its expiry month; a card, then its CVV; a count, then a card; a card between
 *   two numbers): groups joined by one separator that the groups around them are not joined by
 *   (dashes among spaces); or, in each stretch of groups of 3 digits or more (timestamps, dates,
 *   prices and lists of small numbers make none), from each group in turn, the longest run of groups
 *   laid out as a card is written (one group; groups of 4, the last of 3 or 4; 4-6-5 or 4-6-4: a list
 *   of order numbers is none), that `digit_kind` calls a card, outside an IBAN (`in_iban`: a German
 *   or Italian IBAN's 18 or 19 digits start with a Luhn-valid card-shaped prefix one time in ten);
 * - a phone number without a `+`, or a national identity number, with a space between it and other
 *   numbers (`12.05.2024 07700 900123`, `ticket 1234 415-555-0132`, an SSN and then a phone number),
 *   or after a parenthesis that opens no area code (`(078-05-1120`) (`national_part`); a phone, with
 *   a `+` or without, ends before a phone or an SSN written after it (`02 8891 6464 02 5469 0732`).
 *
 * Parts never overlap, and each choice rests on what a fake keeps (a layout, a trunk 0, a card fake's
 * first digits, an SSN fake's kind) or on digits `digit_run_fake` draws again until its fakes read so,
 * so a scrubbed run is read as the parts its fakes replaced. `digit_kind(run, t)` calls
 * a run holding some 'parts'; `digit_part_rows(run, t)` lists them as rows, for verify's scan;
 * `digit_run_fake(run, t, kind)` gives the run with them (or, for a card, the whole run) replaced by
 * their fakes. Installed with the detectors (detectors.ts), which call them.
 */
export function digitPartsSql(): string {
  const s = MASK_SCHEMA;
  return `
-- The phone number without a + or the national identity number digit_parts reads from group i of
-- run (its groups g, where they start and end, the separators before them, whether a space or one
-- space or dash is among those, the parts taken, card fakes' blocks and chains of groups of 4: see
-- digit_parts), as (kind, its last group, 1 when a parenthesis before it goes with it), or NULL. One
-- starts at the run's start or a group with a space before it, not inside a card fake's block. Over
-- groups no part took, from group i the longest run of whole groups up to the run's end or a space,
-- 9 digits at least, that digit_kind (not reading parts in it) calls a phone, or the longest it calls
-- an identity number outside an IBAN, if any (a trunk 0 and a space make an SSN and the phone after
-- it one phone). Such a run has 12 digits at most unless it starts with a trunk 0 (longer ones are a
-- card's, which digit_parts settled before); a phone starting 00 (an international prefix) has 12 at
-- least: an order number padded with zeros is none; nor does a phone start inside a chain of three
-- groups of 4 digits or more (an account number, an IBAN whose check failed). It does not end inside
-- a card fake's block, and closes each parenthesis it opens (an IBAN's last group and a phone in
-- parentheses after it are none). A parenthesis before it goes with a phone (an area code), not with
-- an identity number. Each choice rests on what a fake keeps (its layout, a trunk 0, a North American
-- number's first digits), so a text's fakes are read as the parts they replaced: not on digits a
-- fake draws anew.
CREATE FUNCTION ${s}.national_part(run text, t text, i int, g text[], st int[], en int[], sep text[], spaced boolean[], joined boolean[],
    part text[], block int[], fours_in int[]) RETURNS text[] LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $fn$
DECLARE n int := cardinality(g); j int := i - 1; total int := 0; lead int; best int; best_kind text; best_lead int; cand text; nk text;
BEGIN
  IF NOT spaced[i] OR (i > 1 AND block[i] > 0 AND block[i - 1] = block[i]) THEN RETURN NULL; END IF;
  WHILE j < n AND part[j + 1] IS NULL AND total + length(g[j + 1]) <= 15 LOOP j := j + 1; total := total + length(g[j]); END LOOP;
  lead := CASE WHEN right(sep[i], 1) = '(' THEN 1 ELSE 0 END;
  WHILE total >= 9 LOOP
    IF (j = n OR spaced[j + 1]) AND NOT (i = 1 AND j = n AND sep[1] = '') AND (total <= 12 OR left(g[i], 1) = '0')
       AND NOT (j < n AND block[j] > 0 AND block[j + 1] = block[j]) AND NOT ${unclosedSql('substr(run, st[i], en[j] - st[i] + 1)')} THEN
      cand := substr(run, st[i], en[j] - st[i] + 1);
      nk := ${s}.digit_kind(cand, t, false);
      IF nk IN ('ssn', 'sin', 'aadhaar', 'cpf', 'bsn', 'pesel') AND NOT ${s}.in_iban(t, cand) THEN RETURN ARRAY[nk, j::text, '0']; END IF;
      IF lead = 1 THEN nk := ${s}.digit_kind('(' || cand, t, false); END IF;
      IF nk = 'phone' AND best IS NULL AND (left(g[i], 2) <> '00' OR total >= 12)
         AND NOT (i > 1 AND joined[i] AND fours_in[i] >= 3 AND fours_in[i - 1] >= 3) THEN
        best := j; best_kind := nk; best_lead := lead;
      END IF;
    END IF;
    total := total - length(g[j]); j := j - 1;
  END LOOP;
  RETURN CASE WHEN best IS NOT NULL THEN ARRAY[best_kind, best::text, best_lead::text] END;
END
$fn$;

CREATE FUNCTION ${s}.digit_parts(run text, t text) RETURNS text[] LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $fn$
DECLARE g text[] := regexp_split_to_array(run, '[^0-9]+');
  n int; st int[] := '{}'; en int[] := '{}'; sep text[] := '{}'; starts boolean[] := '{}'; spaced boolean[] := '{}'; fours int[] := '{}';
  joined boolean[] := '{}'; block int[] := '{}'; ahead int[] := '{}'; fours_in int[] := '{}'; part text[] := '{}'; pk text[] := '{}'; pa int[] := '{}'; r text[] := '{}';
  p int := 1; i int; j int; k int; found boolean; total int := 0; plus int; stretch int := 0; longest int := 0; cand text;
  best int; best_kind text; best_lead int; first_space int; last_space int; chosen text[]; ends int;
BEGIN
  -- g: the groups of digits; sep[i]: what comes before group i (sep[1]: a leading + or parenthesis, or
  -- nothing; sep[n + 1]: nothing); starts[i]: whether a phone may start at group i (a + before it,
  -- after a separator: a + glued to a digit is a space in a form body); spaced[i]: whether a number
  -- may start at group i (the run's first, or a space before it); joined[i]: whether group i is joined
  -- to the one before by one space or dash, as a card's groups are; part[i], pk[i], pa[i]: the part
  -- starting at group i, its kind, and where it starts in the run (a part's other groups hold '');
  -- first_space, last_space: the digits before the first and the last group with a space before it.
  -- A separator holds no digit, so group i starts at the first digit after group i - 1.
  IF g[1] = '' THEN g := g[2:]; END IF;
  n := cardinality(g);
  IF n < 2 AND left(run, 1) <> '(' THEN RETURN NULL; END IF;
  FOR i IN 1..n LOOP
    st[i] := p + strpos(substr(run, p), g[i]) - 1; en[i] := st[i] + length(g[i]) - 1;
    sep[i] := substr(run, p, st[i] - p); p := en[i] + 1; part[i] := NULL;
    starts[i] := right(sep[i], 1) = '+' AND (i = 1 OR (length(sep[i]) >= 2 AND substr(sep[i], length(sep[i]) - 1, 1) <> '+'));
    spaced[i] := i = 1 OR strpos(sep[i], ' ') > 0 OR (octet_length(sep[i]) > length(sep[i]) AND sep[i] ~ '[\\u00A0\\u202F]');
    joined[i] := i > 1 AND length(sep[i]) = 1 AND sep[i] NOT IN ('.', '+', '(', ')');
    IF i > 1 AND spaced[i] THEN first_space := coalesce(first_space, total); last_space := total; END IF;
    -- The digits before the first + that may start a phone; the longest stretch a card may be in (groups of 3 digits or more, with no dot, + or parenthesis between).
    IF plus IS NULL AND right(sep[i], 1) = '+' THEN plus := total; END IF;
    total := total + length(g[i]);
    stretch := CASE WHEN length(g[i]) < 3 THEN 0 WHEN i = 1 OR translate(sep[i], '.+()', '') = sep[i] THEN stretch + length(g[i]) ELSE length(g[i]) END;
    longest := greatest(longest, stretch);
  END LOOP;
  sep[n + 1] := ''; joined[n + 1] := false;
  -- Nothing to find: no stretch of 13 digits (a card), no + with 8 digits after it (a phone), no three
  -- dots (an address), no space with 9 digits after it or before it, no parenthesis before 9 digits
  -- (a number of its own). Where the run starts with a + or a parenthesis (sep[1]), a part may be all
  -- of it after that: digit_kind did not read the run as one with it.
  IF longest < 13 AND coalesce(total - plus, 0) < 8 AND length(run) - length(replace(run, '.', '')) < 3
     AND coalesce(total - first_space < 9 AND last_space < 9, true) AND NOT (sep[1] = '(' AND total >= 9) THEN RETURN NULL; END IF;
  -- An IPv4 address: four groups joined by dots, with no dot before or after them. First: a phone
  -- number before it would take its first group (a phone, a house number, then an address).
  FOR i IN 1..n - 3 LOOP
    CONTINUE WHEN sep[i + 1] <> '.' OR sep[i + 2] <> '.' OR sep[i + 3] <> '.' OR strpos(sep[i], '.') > 0 OR strpos(sep[i + 4], '.') > 0;
    cand := substr(run, st[i], en[i + 3] - st[i] + 1);
    IF ${s}.digit_kind(cand) = 'ipv4' THEN
      FOR k IN i..i + 3 LOOP part[k] := ''; END LOOP;
      part[i] := cand; pk[i] := 'ipv4'; pa[i] := st[i];
    END IF;
  END LOOP;
  -- A phone number from each place one may start: the longest run of whole groups from its + with at
  -- most 15 digits, up to the next such place or part, if it has 8 at least. It ends at the run's end,
  -- a space, such a place or a part (not the first group of an SSN written after it); a closing
  -- parenthesis no group of it opened ends it (a note in parentheses, then a number), and it closes each one
  -- it opens.
  FOR i IN 1..n LOOP
    CONTINUE WHEN part[i] IS NOT NULL OR NOT starts[i];
    j := i; total := length(g[i]);
    WHILE j < n AND NOT starts[j + 1] AND part[j + 1] IS NULL AND total + length(g[j + 1]) <= 15
          AND (strpos(sep[j + 1], ')') = 0 OR strpos(sep[j], '(') > 0) LOOP
      j := j + 1; total := total + length(g[j]);
    END LOOP;
    WHILE j > i AND ((j < n AND NOT spaced[j + 1] AND NOT starts[j + 1] AND part[j + 1] IS NULL) OR ${unclosedSql('substr(run, st[i], en[j] - st[i] + 1)')}) LOOP
      total := total - length(g[j]); j := j - 1;
    END LOOP;
    IF total >= 8 THEN
      cand := substr(run, st[i] - 1, en[j] - st[i] + 2);
      IF ${s}.digit_kind(cand) = 'phone' THEN
        FOR k IN i..j LOOP part[k] := ''; END LOOP;
        part[i] := cand; pk[i] := 'phone'; pa[i] := st[i] - 1;
      END IF;
    END IF;
  END LOOP;
  -- A card written with one separator throughout among numbers written with another
  -- (dashes among spaces): groups so joined, and no more, that digit_kind calls a card (laid out as
  -- cards are written), outside an IBAN; of 16 digits, not 19, where both are (see below).
  i := 1;
  WHILE longest >= 13 AND i < n LOOP
    k := i;
    WHILE k < n AND length(sep[k + 1]) = 1 AND sep[k + 1] = sep[i + 1] AND part[k + 1] IS NULL LOOP k := k + 1; END LOOP;
    IF k > i AND part[i] IS NULL AND NOT (i = 1 AND k = n AND sep[1] = '') AND sep[i] <> sep[i + 1] AND length(run) >= 13 THEN
      cand := substr(run, st[i], en[k] - st[i] + 1);
      IF ${s}.digit_kind(cand) = 'card' AND NOT ${s}.in_iban(t, cand)
         AND NOT (k = i + 4 AND length(g[k]) = 3 AND ${s}.digit_kind(substr(run, st[i], en[k - 1] - st[i] + 1)) = 'card') THEN
        FOR x IN i..k LOOP part[x] := ''; END LOOP;
        part[i] := cand; pk[i] := 'card'; pa[i] := st[i];
      END IF;
    END IF;
    i := greatest(k, i + 1);
  END LOOP;
  -- A card in each stretch of groups of 3 digits or more, with no dot, + or parenthesis between: from
  -- each group of it in turn, the longest run of whole groups of 13 to 19 digits laid out as a card is
  -- written (one group; groups of 4, the last of 3 or 4; 4-6-5 or 4-6-4), that digit_kind calls a card,
  -- outside an IBAN; of 16 digits, not 19, where both are (a card and a number of 3 digits after it,
  -- its CVV or an SSN's first group, pass as one card one time in ten). fours[i]: how many groups of 4
  -- digits follow one another from group i; found: whether a card starts at group i.
  fours[n + 1] := 0;
  FOR i IN REVERSE n..1 LOOP fours[i] := CASE WHEN length(g[i]) = 4 THEN fours[i + 1] + 1 ELSE 0 END; END LOOP;
  i := 1;
  WHILE longest >= 13 AND i <= n LOOP
    IF part[i] IS NOT NULL OR length(g[i]) < 3 THEN i := i + 1; CONTINUE; END IF;
    k := i;
    WHILE k < n AND part[k + 1] IS NULL AND length(g[k + 1]) >= 3 AND translate(sep[k + 1], '.+()', '') = sep[k + 1] LOOP k := k + 1; END LOOP;
    j := i - 1; total := 0; found := false;
    WHILE j < k AND total + length(g[j + 1]) <= 19 LOOP j := j + 1; total := total + length(g[j]); END LOOP;
    WHILE total >= 13 LOOP
      cand := substr(run, st[i], en[j] - st[i] + 1);
      IF NOT (i = 1 AND j = n AND sep[1] = '') AND (i = j OR (fours[i] >= j - i AND length(g[j]) <= 4) OR (j = i + 2 AND length(g[i]) = 4 AND length(g[i + 1]) = 6 AND length(g[j]) >= 4)) AND ${s}.digit_kind(cand) = 'card' AND NOT ${s}.in_iban(t, cand)
         AND NOT (j = i + 4 AND length(g[j]) = 3 AND ${s}.digit_kind(substr(run, st[i], en[j - 1] - st[i] + 1)) = 'card') THEN
        FOR x IN i..j LOOP part[x] := ''; END LOOP;
        part[i] := cand; pk[i] := 'card'; pa[i] := st[i]; found := true; EXIT;
      END IF;
      total := total - length(g[j]); j := j - 1;
    END LOOP;
    i := CASE WHEN found THEN j + 1 ELSE i + 1 END;
  END LOOP;
  -- block[i]: which card fake group i is in, if any (card() writes 400000 first, in the original's
  -- layout): 4000 joined to a group starting 00, and the groups of 4 joined after them (four groups at
  -- most), or a group of 3 after three; or 4000, a group of 6 starting 00 and one of 4 or 5. A fake
  -- fails the Luhn sum, so no card is read there, and its groups after its first may read as other
  -- numbers (4-4-4 is an Aadhaar number's shape; a group of zeros and two more a phone number's).
  FOR i IN 1..n LOOP block[i] := 0; END LOOP;
  FOR i IN 1..n - 1 LOOP
    CONTINUE WHEN block[i] > 0 OR g[i] <> '4000' OR NOT joined[i + 1] OR left(g[i + 1], 2) <> '00';
    k := i + 1;
    IF length(g[k]) = 6 THEN
      IF joined[k + 1] AND length(g[k + 1]) BETWEEN 4 AND 5 THEN k := k + 1; END IF;
    ELSIF length(g[k]) = 4 THEN
      WHILE k < n AND k - i < 3 AND joined[k + 1] AND length(g[k + 1]) = 4 LOOP k := k + 1; END LOOP;
      IF k - i = 2 AND joined[k + 1] AND length(g[k + 1]) = 3 THEN k := k + 1; END IF;
    END IF;
    FOR x IN i..k LOOP block[x] := i; END LOOP;
  END LOOP;
  -- fours_in[i]: how many groups of 4 digits, each joined to the one before, there are in the chain
  -- group i is in (0 for a group of other length); ahead[i]: how many of them start at group i.
  ahead[n + 1] := 0;
  FOR i IN REVERSE n..1 LOOP ahead[i] := CASE WHEN length(g[i]) <> 4 THEN 0 WHEN joined[i + 1] THEN ahead[i + 1] + 1 ELSE 1 END; END LOOP;
  FOR i IN 1..n LOOP
    fours_in[i] := CASE WHEN length(g[i]) <> 4 THEN 0 WHEN joined[i] AND length(g[i - 1]) = 4 THEN fours_in[i - 1] ELSE ahead[i] END;
  END LOOP;
  -- A phone number without a + or a national identity number from the run's start or each group with
  -- a space before it, as national_part reads one. A phone read the longest, up to 15 digits, may
  -- have taken the trunk 0 of a phone written after it, or an SSN's first group (two numbers side by
  -- side: the second's other digits were left unread): it ends before the last group where what is
  -- before it is a phone still and national_part reads, from it, an SSN, or else a phone starting
  -- with 0, that reaches past it (a phone from a + too: its later groups are left to this search
  -- then). An SSN's fake is read as one, though a group of it may start with 0; a phone fake's later
  -- groups may start with 0 too, where digit_run_fake draws again until the scrubbed run reads as the
  -- parts it replaced.
  FOR i IN 1..n LOOP
    best := NULL;
    IF pk[i] = 'phone' AND part[i] <> '' THEN
      best := i;
      WHILE best < n AND part[best + 1] = '' LOOP best := best + 1; part[best] := NULL; END LOOP;
      best_kind := 'phone'; best_lead := st[i] - pa[i];
    ELSE
      CONTINUE WHEN part[i] IS NOT NULL;
      chosen := ${s}.national_part(run, t, i, g, st, en, sep, spaced, joined, part, block, fours_in);
      IF chosen IS NOT NULL THEN best_kind := chosen[1]; best := chosen[2]::int; best_lead := chosen[3]::int; END IF;
    END IF;
    IF best_kind = 'phone' AND best IS NOT NULL AND best < n AND part[best + 1] IS NULL THEN
      ends := NULL;
      FOR k IN REVERSE best..i + 1 LOOP
        chosen := ${s}.national_part(run, t, k, g, st, en, sep, spaced, joined, part, block, fours_in);
        CONTINUE WHEN chosen IS NULL OR chosen[2]::int <= best;
        cand := substr(run, st[i] - best_lead, en[k - 1] - st[i] + 1 + best_lead);
        CONTINUE WHEN ${s}.digit_kind(cand, t, false) IS DISTINCT FROM 'phone' OR ${unclosedSql('cand')};
        -- An SSN first: its fake (area 666) is read as one too, though a later group of it may start with 0.
        IF chosen[1] = 'ssn' THEN ends := k - 1; EXIT; END IF;
        IF chosen[1] = 'phone' AND left(g[k], 1) = '0' THEN ends := coalesce(ends, k - 1); END IF;
      END LOOP;
      best := coalesce(ends, best);
    END IF;
    IF best IS NOT NULL THEN
      FOR k IN i..best LOOP part[k] := ''; END LOOP;
      part[i] := substr(run, st[i] - best_lead, en[best] - st[i] + 1 + best_lead); pk[i] := best_kind; pa[i] := st[i] - best_lead;
    END IF;
  END LOOP;
  FOR i IN 1..n LOOP
    IF part[i] <> '' THEN r := r || ARRAY[[pk[i], part[i], pa[i]::text]]; END IF;
  END LOOP;
  RETURN CASE WHEN cardinality(r) > 0 THEN r END;
END
$fn$;

-- The rows of digit_parts(run, t), when digit_kind leaves the run unclassified: what verify's scan
-- joins to a run (STRICT: a NULL run, as for most, costs no call).
CREATE FUNCTION ${s}.digit_part_rows(run text, t text) RETURNS TABLE (kind text, token text) LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $fn$
DECLARE p text[];
BEGIN
  IF ${s}.digit_kind(run) IS NULL OR ${opensNoAreaCodeSql('run')} THEN
    p := ${s}.digit_parts(run, t);
    FOR i IN 1..coalesce(array_length(p, 1), 0) LOOP
      kind := p[i][1]; token := p[i][2]; RETURN NEXT;
    END LOOP;
  END IF;
END
$fn$;

-- The run with its parts replaced by their fakes (a card's by card(), a phone's by phone(), a public
-- IPv4 address's by ip(), an identity number's by the fake of its kind), or, when kind is 'card', the
-- whole run by its card fake. A card's fake is never Luhn-valid (its Luhn sum ends in 1), but the run
-- around it, or a part of the run holding some of its digits (or a phone's fake's), may be, and
-- verify would read a card there: digits before the fake, or an even number of them after it (a
-- count, an expiry month), add the same to the run's sum whatever the fake's digits, so one run in
-- ten is valid with every attempt. Then a card fake's last digit moves by 1 to 8 (its own sum ends in
-- 2 to 9), and then its other digits and a phone fake's are drawn again (attempt 1, 2, ...), until
-- nothing there reads as a card, and every part read in the fake is one it replaced: a phone fake's
-- later group may start with 0 and read as a trunk 0 (digit_parts would end the phone before it), an
-- identity number's fake may hold a phone's shape. After 45 attempts the fake stays as it is, and
-- verify reports what it reads there.
CREATE FUNCTION ${s}.digit_run_fake(run text, t text, kind text) RETURNS text LANGUAGE plpgsql STABLE PARALLEL SAFE AS $fn$
DECLARE found text[]; parts text[] := '{}'; kinds text[] := '{}'; ats int[] := '{}'; r text; f text; pos int; variant int := 0;
  again text[]; kept boolean; step int := 1; fats int[] := '{}'; flens int[] := '{}';
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
  -- A card's fake moves its last digit eight times before its digits are drawn again; without a card,
  -- each attempt draws the other fakes again.
  IF 'card' = ANY (kinds) THEN step := 9; END IF;
  LOOP
    r := ''; pos := 1;
    FOR i IN 1..cardinality(parts) LOOP
      IF kinds[i] = 'card' THEN
        f := ${s}.card(parts[i], NULL, variant / 9);
        IF variant % 9 > 0 THEN f := left(f, -1) || ((right(f, 1)::int + variant % 9) % 10)::text; END IF;
      ELSIF kinds[i] = 'phone' THEN
        f := ${s}.phone(parts[i], NULL, variant / step);
      ELSIF kinds[i] = 'ipv4' THEN
        f := CASE WHEN ${s}.is_reserved_ip(parts[i]) THEN parts[i] ELSE ${s}.ip(parts[i]) END;
      ELSE
        f := CASE kinds[i] WHEN 'ssn' THEN CASE WHEN ${s}.ssn_issued(parts[i]) THEN ${s}.ssn(parts[i]) ELSE parts[i] END
          WHEN 'sin' THEN ${s}.sin(parts[i]) WHEN 'aadhaar' THEN ${s}.aadhaar(parts[i]) WHEN 'cpf' THEN ${s}.cpf(parts[i])
          WHEN 'bsn' THEN ${s}.bsn(parts[i]) ELSE ${s}.pesel(parts[i]) END;
      END IF;
      r := r || substr(run, pos, ats[i] - pos);
      fats[i] := length(r) + 1; flens[i] := length(f); r := r || f;
      pos := ats[i] + length(parts[i]);
    END LOOP;
    r := r || substr(run, pos);
    IF variant = 44 THEN EXIT; END IF;
    IF coalesce(${s}.digit_kind(r), '') <> 'card' THEN
      again := ${s}.digit_parts(r, t);
      -- No card read, and each part read in the fake is one of the fakes, of its kind, where it was
      -- written (a SIN's or an Aadhaar number's fake, whose check fails, is read as none).
      kept := NOT coalesce('card' = ANY (again[:][1:1]), false);
      FOR x IN 1..CASE WHEN kind = 'card' OR NOT kept THEN 0 ELSE coalesce(array_length(again, 1), 0) END LOOP
        kept := false;
        FOR i IN 1..cardinality(parts) LOOP
          IF again[x][3]::int = fats[i] AND length(again[x][2]) = flens[i] AND again[x][1] = kinds[i] THEN kept := true; EXIT; END IF;
        END LOOP;
        EXIT WHEN NOT kept;
      END LOOP;
      EXIT WHEN kept;
    END IF;
    variant := variant + 1;
  END LOOP;
  RETURN r;
END
$fn$;
`;
}
