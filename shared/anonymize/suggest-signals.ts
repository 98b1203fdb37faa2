import { isIPv6 } from 'node:net';
import type { ColumnRule } from './rules-schema';
import type { TypeClass } from './strategies';
import { credentialIn, credentialKind } from './credentials';
import { BARE_NUMBER, BASE64_RUN, UNICODE_SEPARATORS } from './sql/detectors';

/** A suggested rule and the reason shown beside it. */
export interface Suggestion {
  readonly rule: ColumnRule;
  readonly why: string;
}

const PERSON_TABLES = /(user|customer|contact|person|people|member|account|employee|patient|client|author|profile|recipient|sender|guest|passenger|lead|traveller|traveler|applicant|candidate|driver|rider|attendee|participant|subscriber|visitor|tenant|student|buyer|seller|owner|beneficiar|payee|donor|volunteer|agent|staff|prospect|usuari|usuári|utilisateur|benutzer|gebruiker|kunde|klant|persona|pessoa|paciente|empleado|funcionari|mitarbeiter|miembro|membre|socio|alumno|estudiante|huesped|huésped)/i;

/**
 * A latitude or longitude (`lat`, `home_lng`, `latitude`, `geo_lon`; `long` alone too): where a person
 * lives, was delivered to or shared their location from (a WhatsApp location message holds both).
 */
const COORDINATE = /(^|_)(lat|lng|lon|latitude|longitude)($|_)|^long$/i;
/** A coordinate moved by up to 0.01 degrees (about 1 km): an amount, since a share of a coordinate near 0 (the equator, the Greenwich meridian) hardly moves it. */
const COORDINATE_RULE: ColumnRule = { strategy: 'numberNoise', by: 0.01 };
const COORDINATE_NOTE = 'a coordinate of where a person is, moved by up to 0.01 degrees (about 1 km)';

/** Column-name signals, checked in order; each names the strategy and the type classes it suits. */
const NAME_SIGNALS: readonly { pattern: RegExp; rule: ColumnRule; fits: readonly TypeClass[]; note?: string; identifier?: true }[] = [
  // WhatsApp's id of a user (`wa_id` in every webhook) is their phone number's digits, often kept in a bigint.
  { pattern: /^(wa|whats_?app)_?(id|number|phone)$/i, rule: { strategy: 'phone' }, fits: ['text', 'integer'], note: 'a WhatsApp id is its user\'s phone number', identifier: true },
  { pattern: /^gravatar(_?(hash|id|md5|sha\d*))?$|e_?mail_?(hash|md5|sha\d*|digest)|(hashed|md5|sha\d*)_?e_?mail/i, rule: { strategy: 'hash' }, fits: ['text'], note: 'a digest of an email, which anyone holding the address computes again: a keyed hash instead' },
  // Spanish correo, French courriel, the Nordic e-post; mail alone or after a role (contact_mail).
  { pattern: /e_?mail|correo|courriel|(^|_)e_?post($|_)|^mail$|_mail$/i, rule: { strategy: 'email' }, fits: ['text'] },
  { pattern: /^(first|given|fore|middle|christian)_?name$|^(vorname|nombre|prenom|prénom|nome|voornaam|imie|imię|fornavn|förnamn|etunimi)$/i, rule: { strategy: 'firstName' }, fits: ['text'] },
  { pattern: /^(last|family|sur|maiden|birth)_?name$|^surname$|^(nachname|apellidos?|nom_de_famille|sobrenome|cognome|achternaam|nazwisko|efternamn|etternavn|sukunimi)$/i, rule: { strategy: 'lastName' }, fits: ['text'] },
  // A person's name by the role they play: a guest, a card's holder, a message's sender, a support agent.
  // Twilio's ProfileName and WhatsApp's pushName are the name a user gave their account.
  { pattern: /^(full|display|contact|customer|real|guest|recipient|sender|passenger|cardholder|card_?holder|holder|account_?holder|spouse|partner|agent|from|to|reply_?to|billing|shipping|patient|client|employee|member|owner|parent|guardian|emergency_?contact|next_?of_?kin|beneficiary|payee|payer|driver|traveller|traveler|applicant|candidate|author|profile|push|legal|preferred|caller|visitor|lead|buyer|seller|tenant|student|signer|signatory|witness)_?name$|^name_?on_?card$|^(nombre_?completo|nom_?complet|nome_?completo|vollst(ä|ae)ndiger_?name)$/i, rule: { strategy: 'fullName' }, fits: ['text'] },
  { pattern: /phone|(^|_)mobile($|_?(phone|number|no|num|tel))|msisdn|^tel(ephone)?$|fax|telef(o|ó)n|telefoon|celular|cellulare|(^|_)m(o|ó)vil($|_)|^handy(_?nummer)?$|^portable$|(^|_)(tel|tlf|gsm)($|_)/i, rule: { strategy: 'phone' }, fits: ['text', 'integer', 'numeric'] },
  { pattern: /user_?name|^login(_?name)?$|_login_?name$|^((user|social|twitter|slack|telegram|instagram|tiktok|github|x)_?)?handle$|nick_?name|^(usuario|nombre_?(de_?)?usuario|utilisateur|benutzer(_?name)?|nome_?utente|gebruikersnaam|apodo|pseudo)$/i, rule: { strategy: 'username' }, fits: ['text'] },
  { pattern: /street|address_?line|^address\d?$|^addr$|(home|ship(ping)?|bill(ing)?|delivery|mailing|postal)_?addr(ess)?|^(ship|bill|deliver)_?to$/i, rule: { strategy: 'street' }, fits: ['text'] },
  // The same in other languages, a word first (direccion_envio: the shipping address), not an IP address's (adresse_ip).
  { pattern: /^(?!.*(^|_)ip($|_))(calle|direcci(o|ó)n|domicilio|stra(ss|ß)e|adresse|endere(c|ç)o|indirizzo|rue|straat|adres|logradouro|ulica)($|_)/i, rule: { strategy: 'street' }, fits: ['text'] },
  { pattern: /(^|_)(city|town)|hometown|(^|_)(ciudad|ville|stadt|ort|wohnort|cidade|citt(a|à)|comune|localidad|localit(a|à)|municipio|poblaci(o|ó)n|plaats|woonplaats|miasto|kaupunki)($|_)/i, rule: { strategy: 'city' }, fits: ['text'] },
  { pattern: /zip|post_?code|postal|(^|_)(plz|cep|postleitzahl|postnummer|postinumero|kod_?pocztowy)($|_)|^cap$/i, rule: { strategy: 'postcode' }, fits: ['text'] },
  { pattern: /(^|_)ip($|_)|(^|_)ip_?addr|remote_?addr/i, rule: { strategy: 'ipAddress' }, fits: ['text', 'inet'] },
  // Where a person was born is a place (a country is no signal), not a date.
  { pattern: /birth_?place|place_?of_?birth|lugar_?(de_?)?nacimiento|lieu_?de_?naissance|luogo_?di_?nascita|local_?de_?nascimento|geburtsort|geboorteplaats/i, rule: { strategy: 'city' }, fits: ['text'] },
  { pattern: /^(?!.*(country|land|pa(i|í)s|nation)).*(birth|dob|born|nacimiento|naissance|nascimento|nascita|geburt|geboorte|urodzenia|f(ö|o)delse|syntym)/i, rule: { strategy: 'dateShift', maxDays: 30 }, fits: ['date'] },
  { pattern: /^(?!.*(country|land|pa(i|í)s|nation)).*(birth|^dob$|_dob$|^born|nacimiento|naissance|nascimento|nascita|geburt|geboorte|urodzenia|f(ö|o)delse|syntym)/i, rule: { strategy: 'fixed', value: '1970-01-01' }, fits: ['text'], note: 'a date of birth kept as text, which dateShift cannot shift (it shifts date columns): one fixed date, review' },
  { pattern: /password|passwd|secret|token|api_?key|salt|seed|(signing|private|access|encryption)_?key|credential|contrase(n|ñ)a|senha|passwort|kennwort|mot_?de_?passe|wachtwoord|(^|_)has(l|ł)o($|_)/i, rule: { strategy: 'hash' }, fits: ['text'] },
  { pattern: /ssn|social_?security|national_?(id|insurance)|insurance_?(no|num)|^nino?$|passport|tax_?id|iban|card_?number|account_?number/i, rule: { strategy: 'redact' }, fits: ['text'] },
  // National identity numbers by their countries' names for them (Brazil's CPF, Poland's PESEL, India's
  // Aadhaar and PAN, the NHS number, Spain's DNI and NIE, the Dutch BSN, Mexico's CURP, Chile's RUT, Italy's codice fiscale, Canada's SIN, ...).
  { pattern: /(^|_)(cpf|cnpj|pesel|aadhaa?r|pan_(number|no|num|card)|sin|dni|nie|nif|bsn|curp|rut|nric|cnp|egn|oib|jmbg|amka|hetu|ppsn|tfn|cpr|personnummer|fodselsnummer|codice_?fiscale|steuer_?id|id_?card|identity_?(number|card|no))($|_)|nhs_?(number|no|num)/i, rule: { strategy: 'redact' }, fits: ['text'], note: 'a national identity number' },
  { pattern: /linkedin|twitter|facebook|instagram|tiktok|social_?(url|profile|handle|link)|profile_?(url|link)/i, rule: { strategy: 'redact' }, fits: ['text'], note: 'a social profile, whose address names its person' },
  { pattern: /medical|diagnos|health_?(notes?|records?|data|conditions?)|allerg|prescription|symptom/i, rule: { strategy: 'redact' }, fits: ['text'], note: 'health data, which no fake makes realistic and no detector reads in text' },
  { pattern: COORDINATE, rule: COORDINATE_RULE, fits: ['numeric'], note: COORDINATE_NOTE },
];

/** A name for an identifier (`id`, `phone_number_id`, `emailId`): of a record, not the value it names. */
const ID_NAME = /(^|_)(id|Id|ID)$|[a-z]Id$/;
/** Kinds whose name signals an identifier's name does not carry (`phone_number_id` is no phone number). */
const CONTACT_KINDS = new Set(['email', 'phone']);

/**
 * Whether a name signal applies to `name`: its pattern matches (spaces and hyphens read as `_`:
 * `"First Name"`, `"E-Mail"`), and it is no contact kind named as an identifier.
 */
const signals = (signal: (typeof NAME_SIGNALS)[number], name: string): boolean => {
  const words = snakeCase(name);
  return signal.pattern.test(words) && (signal.identifier === true || !(CONTACT_KINDS.has(signal.rule.strategy) && ID_NAME.test(words)));
};

/**
 * A name with its spaces and hyphens as `_`, and `_` between the words of a camelCase name
 * (`homeCity`: `home_City`), as the signals' patterns spell names: so a word is told by `_` around it
 * (`city`, not `capacity`).
 */
const snakeCase = (name: string): string => name.trim().replace(/([a-z0-9])([A-Z])/g, '$1_$2').replace(/[\s-]+/g, '_');

/** The rule a column's name suggests (`name` only counts in a table of people), if any. */
export function nameSignal(table: string, column: string, cls: TypeClass): Suggestion | undefined {
  if (/^name$/i.test(column.trim()) && PERSON_TABLES.test(table) && cls === 'text') return { rule: { strategy: 'fullName' }, why: `column name "${column}" in a table of people` };
  for (const signal of NAME_SIGNALS) {
    if (signals(signal, column) && signal.fits.includes(cls)) return { rule: signal.rule, why: `column name "${column}"${signal.note === undefined ? '' : `: ${signal.note}`}` };
  }
  return undefined;
}

/** A JSON key that names personal data, and the strategy for its values. */
export function jsonKeySignal(key: string): ColumnRule | undefined {
  // Inside JSON, dateShift shifts a YYYY-MM-DD string (and nulls any other), so a date of birth keeps its realism.
  if (/^(?!.*(place|country|land|pa(i|í)s|nation|lugar|lieu|luogo|geburtsort)).*(birth|^dob$|_dob$|^born|nacimiento|naissance|nascimento|nascita|geburt)/i.test(key)) return { strategy: 'dateShift', maxDays: 30 };
  for (const signal of NAME_SIGNALS) {
    if (signals(signal, key) && signal.fits.includes('text')) return signal.rule;
  }
  if (/^name$/i.test(key)) return { strategy: 'fullName' };
  if (COORDINATE.test(snakeCase(key))) return COORDINATE_RULE;
  // What a person wrote, at the keys chat platforms give it: Twilio's Body, Telegram's message.text, Slack's text.
  if (/^(body|text|message|content|caption|transcript|comment|note|mensaje|mensagem|messaggio|nachricht|texto|testo|contenido|conte(u|ú)do|nota|notiz|comentario|kommentar|commentaire)$/i.test(key)) return { strategy: 'scrubText' };
  return undefined;
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[A-Za-z]{2,}$/;
/**
 * What a phone number is written with between its first and last digit: digits and separators, no-break
 * spaces and Unicode dashes among them (as the SQL detector reads them).
 */
const PHONE_CHARS = `[0-9 ().${UNICODE_SEPARATORS}-]`;
const PHONE = new RegExp(`^\\+?[0-9]${PHONE_CHARS}{6,18}[0-9]$`);
/** A phone number inside text: after a `+` (or its escape `%2B`) or a trunk `0`, not glued to a word. */
const PHONE_IN_TEXT = new RegExp(`(^|[^\\w+-])(\\+|%2B|0)[0-9]${PHONE_CHARS}{7,16}[0-9]`, 'i');
/**
 * A national identity number inside text, as scrubText reads one (national-ids.ts): a US Social
 * Security number grouped 3-2-4 by hyphens or spaces (`123-45-6789`), or nine bare digits after its name
 * (`ssn 123456789`, `social security number is …`); a Canadian SIN after its name (`SIN: 130 692 544`,
 * `my social insurance number is 130692544`, `NAS`), grouped 3-3-3 or bare; a Brazilian CPF written
 * `123.456.789-09`, or eleven bare digits after its name (check digits are left to scrubText); a UK
 * National Insurance number (`AB 12 34 56 C`, national-ids.ts; prefixes never allocated are left to
 * scrubText); an Indian Aadhaar number grouped 4-4-4, or twelve bare digits after its name (its
 * Verhoeff check digit is left to scrubText).
 */
const NATIONAL_ID_IN_TEXT = /(^|[^\w-])\d{3}(-\d{2}-| \d{2} )\d{4}(?![\w-])|(^|[^a-z0-9])(ssn|ss#|social security( number| no\.?)?|itin)[^a-z0-9]{0,4}((is|was|no\.?|number)[^a-z0-9]{0,3})?\d{9}(?!\d)|(^|[^a-z0-9])(sin|social insurance( number| no\.?)?|nas)[^a-z0-9]{0,4}((is|was|no\.?|number)[^a-z0-9]{0,3}){0,2}\d{3}(?:[ -]?\d{3}){2}(?![\w-])|(^|[^\w.-])\d{3}\.\d{3}\.\d{3}-\d{2}(?![\w-])|(^|[^a-z0-9])cpf\W{0,4}(\S{1,6}\W{1,3})?\d{11}(?!\d)|(^|[^a-z0-9])[a-ceghj-pr-tw-z][a-ceghj-npr-tw-z] ?\d{2} ?\d{2} ?\d{2} ?[a-d](?![a-z0-9])|(^|[^\w-])[2-9]\d{3}(-\d{4}-| \d{4} )\d{4}(?![\w-])|(^|[^a-z0-9])(aa?dh?aa?r( card)?|uid(ai)?)[^a-z0-9]{0,4}((is|was|no\.?|number)[^a-z0-9]{0,3}){0,2}\d{12}(?!\d)/i;
/** A Spanish DNI or NIE (national-ids.ts): eight digits, or X, Y or Z and seven, then a letter (after a space, a capital); {@link dniChecks} tells. */
const DNI_IN_TEXT = /(?:^|[^\w.])((?:\d{8}|\d{2}\.\d{3}\.\d{3}|[XYZxyz]-?\d{7})(?:-?[A-Za-z]| [A-Z]))(?![A-Za-z0-9])/g;
/** Whether the DNI or NIE `value` (as {@link DNI_IN_TEXT} matches it) ends in its check letter. */
function dniChecks(value: string): boolean {
  // An NIE's X, Y or Z counts as 0, 1 or 2 before its digits.
  const prefix = 'XYZ'.indexOf(value.charAt(0).toUpperCase());
  const number = Number(`${prefix >= 0 ? prefix : ''}${value.slice(0, -1).replace(/[^0-9]/g, '')}`);
  return 'TRWAGMYFPDXBNJZSQVHLCKE'.charAt(number % 23) === value.slice(-1).toUpperCase();
}
/** A Mexican CURP (national-ids.ts): four letters, six digits, H, M or X, five letters, a letter or digit, a digit; {@link curpChecks} tells. */
const CURP_IN_TEXT = /(?:^|[^a-z0-9])([a-z][aeioux][a-z]{2}\d{6}[hmx][a-z]{5}[0-9a-z]\d)(?![a-z0-9])/gi;
/** Whether the CURP `value` ends in its check digit: each character's place among digits and letters (an Ñ after the N) weighted from 18 down. */
function curpChecks(value: string): boolean {
  const sum = [...value.slice(0, 17).toUpperCase()].reduce((total, char, i) => total + '0123456789ABCDEFGHIJKLMN\u00D1OPQRSTUVWXYZ'.indexOf(char) * (18 - i), 0);
  return (10 - (sum % 10)) % 10 === Number(value.slice(-1));
}
/** An Italian codice fiscale (national-ids.ts): six letters, two digits, a month's letter, two digits, a letter, three digits (a digit may be written as a letter L to V) and a check letter; {@link codiceFiscaleChecks} tells. */
const CODICE_FISCALE_IN_TEXT = /(?:^|[^a-z0-9])([a-z]{6}[0-9lmnp-v]{2}[abcdehlmprst][0-9lmnp-v]{2}[a-z][0-9lmnp-v]{3}[a-z])(?![a-z0-9])/gi;
/** What a codice fiscale's characters in odd places count toward its check letter, a digit or letter by its place among digits or letters. */
const CODICE_FISCALE_ODD = [1, 0, 5, 7, 9, 13, 15, 17, 19, 21, 2, 4, 18, 20, 11, 3, 6, 8, 12, 14, 16, 10, 22, 25, 24, 23];
/** Whether the codice fiscale `value` ends in its check letter: the sum of its first fifteen characters' counts (odd places by {@link CODICE_FISCALE_ODD}, even ones by their place), modulo 26. */
function codiceFiscaleChecks(value: string): boolean {
  const upper = value.toUpperCase();
  const sum = [...upper.slice(0, 15)].reduce((total, char, i) => {
    const place = /[0-9]/.test(char) ? Number(char) : char.charCodeAt(0) - 65;
    return total + (i % 2 === 0 ? (CODICE_FISCALE_ODD[place] ?? 0) : place);
  }, 0);
  return String.fromCharCode(65 + (sum % 26)) === upper.slice(-1);
}
/** A Dutch BSN (nine digits) or a Polish PESEL (eleven) after its name, as scrubText reads one (national-ids.ts); their checks are left to scrubText. */
const BSN_OR_PESEL_IN_TEXT = /(^|[^a-z0-9])((bsn|burgerservicenummer|sofi-?nummer)[^a-z0-9]{0,4}((is|nummer|no\.?|nr\.?)[^a-z0-9]{0,3}){0,2}(\d{9}|\d{4}[. ]\d{2}[. ]\d{3})|pesel[^a-z0-9]{0,4}((numer|to|jest|nr\.?)[^a-z0-9]{0,3}){0,2}\d{11})(?!\d)/i;
/** A Chilean RUT (national-ids.ts): dotted wherever it stands, or without dots after its name; {@link rutChecks} tells. */
const RUT_IN_TEXT = /(?:^|[^\w.])(\d{1,2}\.\d{3}\.\d{3}-[\dk])(?![a-z0-9])|(?:^|[^a-z0-9])(?:rut|run)[^a-z0-9]{0,4}(?:(?:es|n\S?|n\S{1,2}mero)[^a-z0-9]{0,3}){0,2}(\d{7,8}-[\dk])(?![a-z0-9])/gi;
/** Whether the RUT `value` ends in its check: its body's digits from the right weighted 2 to 7 in turn; eleven less the sum modulo 11 (11 is 0, 10 is K). */
function rutChecks(value: string): boolean {
  const body = value.slice(0, -2).replace(/\D/g, '');
  const sum = [...body].reverse().reduce((total, digit, i) => total + Number(digit) * (2 + (i % 6)), 0);
  const check = (11 - (sum % 11)) % 11;
  return (check === 10 ? 'K' : String(check)) === value.slice(-1).toUpperCase();
}
/** An Indian PAN (national-ids.ts), in capitals as printed: five letters, the fourth a holder's kind, four digits, a letter. */
const PAN_IN_TEXT = /(^|[^A-Za-z0-9])[A-Z]{3}[ABCEFGHJLPT][A-Z]\d{4}[A-Z](?![A-Za-z0-9])/;
/** An Indian PAN in any capitals after its name (`my pan is afzpk7190k`), as scrubText reads one. */
const PAN_CALLED_IN_TEXT = /(^|[^a-z0-9])pan( card)?[^a-z0-9]{0,4}((is|was|no\.?|number|nr\.?)[^a-z0-9]{0,3}){0,2}[a-z]{3}[abcefghjlpt][a-z]\d{4}[a-z](?![a-z0-9])/i;
/** A house number, up to three words and a street type: `12 Long Street`, `4b Rue Haute Lane, Leeds`. */
const STREET = /^\d+[A-Za-z]?,?\s+(\S+\s+){0,3}(street|st|road|rd|avenue|ave|lane|ln|drive|dr|way|close|court|ct|place|pl|boulevard|blvd|terrace|crescent|gardens|square|row|parkway|highway|hwy)\b/i;

/** A link to a person's profile on a social network or their Gravatar picture: its address names the person (`linkedin.com/in/ann-smith`, `gravatar.com/avatar/<MD5 of the email>`). */
const PROFILE = /^(https?:\/\/)?([a-z]+\.)?(linkedin\.com\/in|facebook\.com|twitter\.com|x\.com|instagram\.com|tiktok\.com\/@|github\.com|gravatar\.com\/avatar)\/[^/\s?#]+/i;

/** What a whole value's shape suggests: an email, a phone number, a street address, a live credential (credentials.ts) or a social profile. */
export type ValueShape = 'email' | 'phone' | 'street' | 'credential' | 'profile';

/** A calendar date written with digits (`1984-03-12`, `12/03/1984`, `12.03.84`): its digits are no phone number. */
const DATE = /^(\d{4}[-/.]\d{1,2}[-/.]\d{1,2}|\d{1,2}[-/.]\d{1,2}[-/.]\d{2,4})([ T]\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?)?$/;

/** A number written bare (how WhatsApp writes a phone, and how ids and timestamps are written): as the SQL side reads one. */
const BARE = new RegExp(BARE_NUMBER);
/** A name for a time (`timestamp`, `created_at`, `sentAt`, `ts`, `expires`). */
const TIME_NAME = /time|date|^ts$|_ts$|_at$|[a-z]At$|epoch|expires|created|updated/i;

/**
 * Whether a bare number is no phone number: a Unix time in seconds or milliseconds (10 or 13 digits
 * from 1: no E.164 number is, since country code 1 numbers have 11), or named as a time or an
 * identifier (WhatsApp's `wa_id` excepted: it is the phone number).
 */
function bareNumberIsNoPhone(value: string, name: string | undefined): boolean {
  if (/^1([0-9]{9}|[0-9]{12})$/.test(value)) return true;
  if (name === undefined) return false;
  return TIME_NAME.test(name) || (ID_NAME.test(name) && !/^(wa|whatsapp)_?id$/i.test(name));
}

/**
 * The shape of a string value, when it is whole an email, a phone number, a street address or a live
 * credential; `name`, the value's column or JSON key, tells a bare number's kind (a timestamp, an id).
 */
export function valueShape(value: string, name?: string): ValueShape | undefined {
  const whole = value.trim();
  if (EMAIL.test(whole)) return 'email';
  if (DATE.test(whole)) return undefined;
  if (credentialKind(whole) !== undefined) return 'credential';
  const digits = whole.replace(/\D/g, '').length;
  if (BARE.test(whole) && bareNumberIsNoPhone(whole, name)) return undefined;
  if (PHONE.test(whole) && digits >= 8 && digits <= 15) return 'phone';
  if (STREET.test(whole)) return 'street';
  if (PROFILE.test(whole)) return 'profile';
  return undefined;
}

/** How a sampled column's values of a shape are described: `12 of 20 sampled values are street addresses`. */
export const SHAPE_NAMES: Readonly<Record<ValueShape, string>> = { email: 'emails', phone: 'phone numbers', street: 'street addresses', credential: 'live credentials', profile: 'social profiles' };

/** The rule for values of a shape: its fake; a keyed hash for a credential (unique stays unique, and it works nowhere); a profile link redacted. */
export const SHAPE_RULES: Readonly<Record<ValueShape, ColumnRule>> = {
  email: { strategy: 'email' }, phone: { strategy: 'phone' }, street: { strategy: 'street' }, credential: { strategy: 'hash' }, profile: { strategy: 'redact' },
};

/** Runs of hex digits and colons (two at least) that may be an IPv6 address (`net.isIPv6` tells). */
const IPV6_CANDIDATE = /[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*[0-9A-Fa-f:]/g;
/** Reserved IPv6 ranges, as the SQL side's `is_reserved_ip`: documentation, loopback, unspecified, unique and link local. */
const RESERVED_IPV6 = /^(2001:0?db8:|::1?$|f[cd]|fe[89ab])/i;

/** Whether the string holds a public IPv6 address. */
function holdsIpv6(value: string): boolean {
  return (value.match(IPV6_CANDIDATE) ?? []).some((candidate) => isIPv6(candidate) && !RESERVED_IPV6.test(candidate));
}

/** Whether a byte is printable ASCII, a tab, a line feed or a carriage return. */
const isTextByte = (byte: number): boolean => byte === 9 || byte === 10 || byte === 13 || (byte >= 32 && byte < 127);

/**
 * The ASCII text inside each base64 run of the string (a logged webhook body), as `scrub_text` reads
 * them: a run of {@link BASE64_RUN} whose length is a multiple of 4 and whose bytes are all text.
 */
function base64Texts(value: string): string[] {
  return (value.match(new RegExp(BASE64_RUN, 'g')) ?? [])
    .filter((run) => run.length % 4 === 0)
    .map((run) => Buffer.from(run, 'base64'))
    .filter((bytes) => bytes.every(isTextByte))
    .map((bytes) => bytes.toString('latin1'));
}

/** Whether plain text holds an email, a phone-shaped run of digits, a national identity number, a public IPv6 address or a live credential. */
function holdsPii(value: string): boolean {
  return holdsIpv6(value) || /[^\s@]+(@|%40)[^\s@]+\.[A-Za-z]{2,}/.test(value) || PHONE_IN_TEXT.test(value) || holdsNationalId(value) || credentialIn(value) !== undefined;
}

/** Whether plain text holds a national identity number ({@link NATIONAL_ID_IN_TEXT}, a BSN or PESEL, a PAN, a DNI or NIE, a CURP, a codice fiscale, a RUT). */
function holdsNationalId(value: string): boolean {
  return NATIONAL_ID_IN_TEXT.test(value) || BSN_OR_PESEL_IN_TEXT.test(value) || PAN_IN_TEXT.test(value) || PAN_CALLED_IN_TEXT.test(value)
    || [...value.matchAll(CODICE_FISCALE_IN_TEXT)].some((match) => codiceFiscaleChecks(match[1] ?? ''))
    || [...value.matchAll(RUT_IN_TEXT)].some((match) => rutChecks(match[1] ?? match[2] ?? ''))
    || [...value.matchAll(DNI_IN_TEXT)].some((match) => dniChecks(match[1] ?? ''))
    || [...value.matchAll(CURP_IN_TEXT)].some((match) => curpChecks(match[1] ?? ''));
}

/**
 * Whether the string contains an email, a phone-shaped run of digits, a national identity number (a US
 * SSN, a Brazilian CPF), a public IPv6 address or a live credential (free text hiding PII or a secret),
 * percent-encoded ones too (`?email=ann%40gmail.com`, `%2B14155552671`), or in a base64 run of text (`isBase64Encoded` webhook bodies), which `scrubText`
 * masks decoded.
 */
export function hidesPii(value: string): boolean {
  return holdsPii(value) || base64Texts(value).some(holdsPii);
}
