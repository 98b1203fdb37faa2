import { MASK_SCHEMA } from './core';

/**
 * JSON masking: `fake_text(kind, v, param)` dispatches to the one fake function of a kind (so a value
 * inside JSON gets the same fake as in a column), `json_leaf` masks one JSON value, and `json_apply`
 * walks a parsed path (json-path.ts `toWalkerPath`) and masks what it reaches, leaving the rest of the
 * document as it was.
 */
export function jsonSql(): string {
  const s = MASK_SCHEMA;
  return `
CREATE FUNCTION ${s}.fake_text(kind text, v text, param text DEFAULT NULL) RETURNS text LANGUAGE sql STABLE PARALLEL SAFE AS $fn$
  SELECT CASE kind
    WHEN 'email' THEN ${s}.email(v) WHEN 'firstName' THEN ${s}.first_name(v) WHEN 'lastName' THEN ${s}.last_name(v)
    WHEN 'fullName' THEN ${s}.full_name(v) WHEN 'username' THEN ${s}.username(v) WHEN 'phone' THEN ${s}.phone(v)
    WHEN 'ipAddress' THEN ${s}.ip(v) WHEN 'street' THEN ${s}.street(v) WHEN 'city' THEN ${s}.city(v)
    WHEN 'postcode' THEN ${s}.postcode(v) WHEN 'uuid' THEN ${s}.uuid_text(v) WHEN 'hash' THEN ${s}.hash_text(v)
    WHEN 'redact' THEN ${s}.redact(v) WHEN 'scrubText' THEN ${s}.scrub_text(v) WHEN 'keep' THEN v
    ELSE NULL END
$fn$;

-- The date a string starts with when it is a valid YYYY-MM-DD date (a timestamp's time ignored), else NULL: never an error.
CREATE FUNCTION ${s}.iso_date(v text) RETURNS date LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $fn$
  SELECT CASE WHEN v ~ '^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])' AND substr(v, 1, 4) <> '0000'
              AND substr(v, 9, 2)::int <= extract(day FROM make_date(substr(v, 1, 4)::int, substr(v, 6, 2)::int, 1) + interval '1 month - 1 day')
         THEN make_date(substr(v, 1, 4)::int, substr(v, 6, 2)::int, substr(v, 9, 2)::int) END
$fn$;

CREATE FUNCTION ${s}.json_leaf(v jsonb, kind text, param text) RETURNS jsonb LANGUAGE plpgsql STABLE PARALLEL SAFE AS $fn$
DECLARE h bytea; x numeric; noise numeric; d date; fake text;
BEGIN
  IF v IS NULL OR jsonb_typeof(v) = 'null' OR kind = 'keep' THEN RETURN v; END IF;
  IF kind = 'null' THEN RETURN 'null'::jsonb; END IF;
  IF kind = 'fixed' THEN RETURN param::jsonb; END IF;
  IF jsonb_typeof(v) IN ('object', 'array') THEN RETURN to_jsonb(${s}.redact(v::text)); END IF;
  -- param: the ratio (0.1), or the amount after by: (by:0.01), whose decimals the result keeps too.
  IF kind = 'numberNoise' AND jsonb_typeof(v) = 'number' THEN
    h := ${s}.digest('number', v::text, 0);
    -- From -1 to 1, by the value's keyed digest.
    noise := (${s}.u32(h, 0)::numeric / 4294967295) * 2 - 1;
    IF left(param, 3) = 'by:' THEN
      x := (v #>> '{}')::numeric + substr(param, 4)::numeric * noise;
      RETURN to_jsonb(round(x, greatest(scale((v #>> '{}')::numeric), scale(substr(param, 4)::numeric), 0)));
    END IF;
    x := (v #>> '{}')::numeric * (1 + param::numeric * noise);
    RETURN to_jsonb(round(x, greatest(scale((v #>> '{}')::numeric), 0)));
  END IF;
  IF kind = 'dateShift' AND jsonb_typeof(v) = 'string' THEN d := ${s}.iso_date(v #>> '{}'); END IF;
  IF d IS NOT NULL THEN
    h := ${s}.digest('date', v #>> '{}', 0);
    RETURN to_jsonb(to_char(d + ((${s}.u32(h, 0) % (2 * param::int + 1)) - param::int)::int, 'YYYY-MM-DD'));
  END IF;
  -- A value the strategy cannot change (a date not written YYYY-MM-DD, a number that is text) is
  -- personal data all the same: it becomes JSON null. Never SQL NULL, which would null the whole document.
  IF kind IN ('dateShift', 'numberNoise') THEN RETURN 'null'::jsonb; END IF;
  -- A number stays a number when its fake is digits (a phone number kept as one: its fake has no +).
  IF jsonb_typeof(v) = 'number' THEN
    fake := ${s}.fake_text(kind, v #>> '{}', param);
    RETURN CASE WHEN fake ~ '^[0-9]{1,30}$' THEN to_jsonb(fake::numeric) ELSE coalesce(to_jsonb(fake), 'null'::jsonb) END;
  END IF;
  RETURN coalesce(to_jsonb(${s}.fake_text(kind, v #>> '{}', param)), 'null'::jsonb);
END
$fn$;

-- Reads the path as SQL/JSON's lax mode does, so it masks what jsonb_path_query (which fingerprints the
-- originals) reaches: an element accessor ([*], #n) takes a value that is no array as an array of it
-- alone; a member accessor (k:<key>, .*) on an array looks into each of its objects (one level).
CREATE FUNCTION ${s}.json_apply(doc jsonb, path text[], kind text, param text) RETURNS jsonb LANGUAGE plpgsql STABLE PARALLEL SAFE AS $fn$
DECLARE head text; rest text[]; idx int; t text;
BEGIN
  IF doc IS NULL THEN RETURN NULL; END IF;
  IF cardinality(path) = 0 THEN RETURN ${s}.json_leaf(doc, kind, param); END IF;
  head := path[1]; rest := path[2:]; t := jsonb_typeof(doc);
  IF head = '[*]' THEN
    IF t <> 'array' THEN RETURN ${s}.json_apply(doc, rest, kind, param); END IF;
    RETURN (SELECT coalesce(jsonb_agg(${s}.json_apply(e, rest, kind, param) ORDER BY i), '[]'::jsonb) FROM jsonb_array_elements(doc) WITH ORDINALITY AS a(e, i));
  END IF;
  IF head ~ '^#[0-9]+$' THEN
    idx := substr(head, 2)::int;
    IF t <> 'array' THEN RETURN CASE WHEN idx = 0 THEN ${s}.json_apply(doc, rest, kind, param) ELSE doc END; END IF;
    IF jsonb_array_length(doc) > idx THEN
      RETURN jsonb_set(doc, ARRAY[idx::text], ${s}.json_apply(doc -> idx, rest, kind, param));
    END IF;
    RETURN doc;
  END IF;
  IF t = 'array' THEN
    RETURN (SELECT coalesce(jsonb_agg(CASE WHEN jsonb_typeof(e) = 'object' THEN ${s}.json_apply(e, path, kind, param) ELSE e END ORDER BY i), '[]'::jsonb)
              FROM jsonb_array_elements(doc) WITH ORDINALITY AS a(e, i));
  END IF;
  IF t <> 'object' THEN RETURN doc; END IF;
  IF head = '.*' THEN
    RETURN (SELECT coalesce(jsonb_object_agg(key, ${s}.json_apply(value, rest, kind, param)), '{}'::jsonb) FROM jsonb_each(doc));
  END IF;
  head := substr(head, 3);
  IF doc ? head THEN
    RETURN jsonb_set(doc, ARRAY[head], ${s}.json_apply(doc -> head, rest, kind, param));
  END IF;
  RETURN doc;
END
$fn$;
`;
}
