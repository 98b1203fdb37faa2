import { hidesPii, jsonKeySignal, nameSignal, valueShape } from '../../../shared/anonymize/suggest-signals';
import { base64Of, DIGEST_HEX } from './fixtures';

describe('suggest signals', () => {
  it.each([
    ['12 Long Street', 'street'],
    ['1 Long Street, Leeds', 'street'],
    ['4b Harbour Rd', 'street'],
    ['221B Baker St.', 'street'],
    ['77 Avenue Road, London NW8', 'street'],
    ['ann.smith@gmail.com', 'email'],
    ['+44 7700 900123', 'phone'],
    ['+44\u00a07700\u00a0900123', 'phone'],
    ['07700\u2013900123', 'phone'],
    [`AKIA${'IOSFODNN7EXAMPLE'}`, 'credential'],
    ['https://www.linkedin.com/in/ann-smith-1b2c3', 'profile'],
    ['instagram.com/ann.smith', 'profile'],
    ['https://www.gravatar.com/avatar/0bc83cb571cd1c50ba6f3e8a78ef1346?s=80', 'profile'],
  ])('reads %j as a whole value of kind %s', (value, shape) => {
    expect(valueShape(value)).toBe(shape);
  });

  it.each(['2 cups of tea', 'Long Street', 'Delivered to the street door', '3 ways to win', 'order 12 shipped', '1984-03-12', '12/03/1984', '2026-11-27 07:00:44', 'https://www.linkedin.com/company/acme'])('reads %j as no personal value', (value) => {
    expect(valueShape(value)).toBeUndefined();
  });

  it.each([
    ['ship_to', 'street'],
    ['billing_address', 'street'],
    ['delivery_addr', 'street'],
    ['postal_address', 'street'],
    ['postal_code', 'postcode'],
    ['address', 'street'],
    ['totp_seed', 'hash'],
    ['webhook_signing_key', 'hash'],
    ['private_key', 'hash'],
    ['aws_access_key', 'hash'],
    ['credentials', 'hash'],
    ['national_insurance', 'redact'],
    ['medical_notes', 'redact'],
    ['diagnosis', 'redact'],
    ['linkedin_url', 'redact'],
    // Names with spaces or hyphens, as spreadsheet imports and form builders write them.
    ['First Name', 'firstName'],
    ['Last-Name', 'lastName'],
    ['E-Mail', 'email'],
    ['IP Address', 'ipAddress'],
    ['api-key', 'hash'],
    ['wa_id', 'phone'],
    // People named by their role, the account's name on a chat platform, names in other languages.
    ['guest_name', 'fullName'], ['recipient_name', 'fullName'], ['cardholder_name', 'fullName'], ['name_on_card', 'fullName'],
    ['spouse_name', 'fullName'], ['agent_name', 'fullName'], ['from_name', 'fullName'], ['ProfileName', 'fullName'], ['pushName', 'fullName'],
    ['middle_name', 'firstName'], ['maiden_name', 'lastName'], ['nombre', 'firstName'], ['apellido', 'lastName'], ['vorname', 'firstName'], ['nachname', 'lastName'],
    // National identity numbers.
    ['cpf', 'redact'], ['pesel', 'redact'], ['sin', 'redact'], ['pan_number', 'redact'], ['customer_curp', 'redact'], ['aadhaar', 'redact'], ['nhs_number', 'redact'], ['dni', 'redact'], ['bsn', 'redact'], ['customer_cpf', 'redact'],
  ])('suggests for a text column named %s the strategy %s', (column, strategy) => {
    expect(nameSignal('orders', column, 'text')?.rule).toEqual({ strategy });
  });

  it.each(['user_name', 'nickname', 'file_name', 'product_name', 'company_name', 'sender', 'finance', 'pan_size', 'order_id_number'])('suggests nothing by name alone, or no person\'s name, for a column named %s', (column) => {
    expect(nameSignal('orders', column, 'text')?.rule.strategy ?? 'none').not.toMatch(/^(fullName|firstName|lastName|redact)$/);
  });

  it.each([
    // Spanish, Portuguese, French, German, Italian and Dutch names, as schemas in those languages spell them.
    ['correo', 'email'], ['courriel', 'email'], ['contact_mail', 'email'],
    ['telefono', 'phone'], ['telefone', 'phone'], ['telefonnummer', 'phone'], ['celular', 'phone'], ['movil', 'phone'], ['handy', 'phone'], ['mobileNumber', 'phone'],
    ['direccion', 'street'], ['direccion_envio', 'street'], ['strasse', 'street'], ['adresse', 'street'], ['endereco', 'street'], ['indirizzo', 'street'], ['ship_addr', 'street'],
    ['ciudad', 'city'], ['ville', 'city'], ['stadt', 'city'], ['wohnort', 'city'], ['cidade', 'city'], ['localidad', 'city'], ['homeCity', 'city'], ['hometown', 'city'],
    ['plz', 'postcode'], ['cep', 'postcode'], ['postleitzahl', 'postcode'],
    ['usuario', 'username'], ['twitter_handle', 'username'],
    ['contrasena', 'hash'], ['senha', 'hash'], ['passwort', 'hash'], ['mot_de_passe', 'hash'],
    // Where a person was born is a place, not a date; an IP address is one, whatever its language.
    ['lugar_nacimiento', 'city'], ['birth_place', 'city'], ['geburtsort', 'city'], ['adresse_ip', 'ipAddress'],
  ])('suggests for a text column named %s, in another language or form, the strategy %s', (column, strategy) => {
    expect(nameSignal('clientes', column, 'text')?.rule).toEqual({ strategy });
  });

  it('suggests dateShift for a date of birth named in another language, and a fixed date for one kept as text', () => {
    for (const column of ['fecha_nacimiento', 'geburtsdatum', 'data_nascimento', 'date_de_naissance']) {
      expect(nameSignal('clientes', column, 'date')?.rule).toEqual({ strategy: 'dateShift', maxDays: 30 });
      expect(nameSignal('clientes', column, 'text')?.rule).toEqual({ strategy: 'fixed', value: '1970-01-01' });
    }
    expect(jsonKeySignal('fechaNacimiento')).toEqual({ strategy: 'dateShift', maxDays: 30 });
    expect(jsonKeySignal('lugar_nacimiento')).toEqual({ strategy: 'city' });
  });

  it.each(['capacity', 'ethnicity', 'velocity', 'downtown', 'mobile_os', 'file_handle', 'last_login', 'login_provider', 'country_of_birth', 'sort', 'portal', 'mail_status'])(
    'suggests nothing by name for a column named %s, which only contains a word a signal looks for',
    (column) => {
      expect(nameSignal('clientes', column, 'text')).toBeUndefined();
    },
  );

  it.each(['lat', 'lng', 'home_lat', 'geo_lon', 'latitude', 'deliveryLongitude', 'long'])('suggests moving a coordinate by up to 0.01 degrees for a number column named %s, and at a JSON key so named', (name) => {
    expect(nameSignal('deliveries', name, 'numeric')?.rule).toEqual({ strategy: 'numberNoise', by: 0.01 });
    expect(jsonKeySignal(name)).toEqual({ strategy: 'numberNoise', by: 0.01 });
  });

  it.each(['salon', 'flat', 'along', 'long_description', 'platform', 'lone'])('suggests no coordinate for a number column named %s', (name) => {
    expect(nameSignal('deliveries', name, 'numeric')).toBeUndefined();
  });

  it.each([['mensaje'], ['nachricht'], ['texto'], ['commentaire']])('suggests scrubText for the string at a JSON key %s (what a person wrote, named in another language)', (key) => {
    expect(jsonKeySignal(key)).toEqual({ strategy: 'scrubText' });
  });

  it.each([['Body'], ['text'], ['caption'], ['transcript']])('suggests scrubText for the string at a JSON key %s, where chat platforms put what a person wrote', (key) => {
    expect(jsonKeySignal(key)).toEqual({ strategy: 'scrubText' });
  });

  it('suggests phone for a WhatsApp id kept as an integer (its user\'s phone number), and nothing for other identifiers', () => {
    expect(nameSignal('contacts', 'wa_id', 'integer')).toEqual({ rule: { strategy: 'phone' }, why: 'column name "wa_id": a WhatsApp id is its user\'s phone number' });
    expect(nameSignal('contacts', 'whatsapp_number', 'integer')?.rule).toEqual({ strategy: 'phone' });
    expect(nameSignal('contacts', 'phone_number_id', 'text')).toBeUndefined();
    expect(nameSignal('contacts', 'Phone Number Id', 'text')).toBeUndefined();
  });

  it('suggests a fixed date for a date of birth kept as text, which dateShift cannot shift, and dateShift for a date column', () => {
    expect(nameSignal('customers', 'date_of_birth', 'text')?.rule).toEqual({ strategy: 'fixed', value: '1970-01-01' });
    expect(nameSignal('customers', 'dob', 'text')).toEqual({ rule: { strategy: 'fixed', value: '1970-01-01' },
      why: 'column name "dob": a date of birth kept as text, which dateShift cannot shift (it shifts date columns): one fixed date, review' });
    expect(nameSignal('customers', 'date_of_birth', 'date')?.rule).toEqual({ strategy: 'dateShift', maxDays: 30 });
    // Inside JSON dateShift shifts YYYY-MM-DD strings.
    expect(jsonKeySignal('dateOfBirth')).toEqual({ strategy: 'dateShift', maxDays: 30 });
  });

  it('reads free text quoting a live credential as hiding something, and ordinary text as not', () => {
    expect(hidesPii(`deploy key AKIA${'IOSFODNN7EXAMPLE'} was rotated`)).toBe(true);
    expect(hidesPii('the sk_test_ keys are fine to share')).toBe(false);
  });

  it('reads free text quoting a US Social Security number, a Canadian SIN, a Brazilian CPF, a UK National Insurance number, an Indian Aadhaar number or PAN, a Spanish DNI, a Mexican CURP, an Italian codice fiscale, a Dutch BSN, a Polish PESEL or a Chilean RUT, written so or after its name, as hiding PII, and other numbers as not', () => {
    expect(hidesPii('my ssn is 123-45-6789, thanks')).toBe(true);
    expect(hidesPii('SSN: 123 45 6789')).toBe(true);
    expect(hidesPii('My social security number is 123456789')).toBe(true);
    expect(hidesPii('CPF: 529.982.247-25')).toBe(true);
    expect(hidesPii('meu cpf é 52998224725')).toBe(true);
    expect(hidesPii('SIN: 130 692 544')).toBe(true);
    expect(hidesPii('my social insurance number is 130692544')).toBe(true);
    expect(hidesPii('NI number: JG 10 37 59 A')).toBe(true);
    expect(hidesPii('nino jg103759a')).toBe(true);
    expect(hidesPii('aadhaar: 2345 6789 0124')).toBe(true);
    expect(hidesPii('my aadhar no is 234567890124')).toBe(true);
    expect(hidesPii('PAN AFZPK7190K')).toBe(true);
    expect(hidesPii('my pan is afzpk7190k')).toBe(true);
    expect(hidesPii('mi dni es 12345678-z')).toBe(true);
    expect(hidesPii('NIE X1234567L')).toBe(true);
    expect(hidesPii('mi curp es gode561231hdfrrn00')).toBe(true);
    expect(hidesPii('il mio codice fiscale è rssmra85t10a562s')).toBe(true);
    expect(hidesPii('CF: RSSMRA85T10A56NH')).toBe(true);
    expect(hidesPii('mijn bsn-nummer is 1234.56.782')).toBe(true);
    expect(hidesPii('BSN: 123456782')).toBe(true);
    expect(hidesPii('numer PESEL to 44051401359')).toBe(true);
    expect(hidesPii('cliente 6.123.456-K ok')).toBe(true);
    expect(hidesPii('mi rut es 12345678-5')).toBe(true);
    expect(hidesPii('order 123456789 shipped, ref 12-345-6789, pedido 52998224725, v1.2.3, call 555 234 5678, llámame al 612 345 678, code ABCDE1234F, ref 12345678A, GODE561231HDFRRN05, cf RSSMRA85T10A562T, order 123456782, zamówienie 44051401359, rut 12.345.678-4, pedido 12345678-5, ref afzpk7190k')).toBe(false);
  });

  it('reads a link quoting a percent-encoded email or international number as hiding PII, and a plain link as not', () => {
    expect(hidesPii('https://bot.example.com/reset?email=ann.smith%40gmail.com')).toBe(true);
    expect(hidesPii('https://bot.example.com/call?to=%2B447700900123')).toBe(true);
    expect(hidesPii('https://bot.example.com/orders?id=ORD-0012345678&page=2')).toBe(false);
  });

  it('reads a base64 run of text quoting PII (a logged webhook body) as hiding PII, and hashes, random tokens and plain text in base64 as not', () => {

    expect(hidesPii(base64Of('From=%2B14155552671&Body=Hi'))).toBe(true);
    expect(hidesPii(`{"isBase64Encoded":true,"body":"${base64Of('email=ann.smith%40gmail.com')}"}`)).toBe(true);
    expect(hidesPii(base64Of('Hello, how can I help you today?'))).toBe(false);
    expect(hidesPii(base64Of(Buffer.from(DIGEST_HEX, 'hex')))).toBe(false);
    expect(hidesPii(DIGEST_HEX)).toBe(false);
  });

  it('reads text quoting a public IPv6 address as hiding PII, and times, MAC and reserved addresses as not', () => {
    expect(hidesPii('login from 2a00:1450:4009:81f::200e ok')).toBe(true);
    expect(hidesPii('client [2606:4700:4700::1111]:443')).toBe(true);
    expect(hidesPii('at 10:30:00, mac 00:1a:2b:3c:4d:5e, via fe80::1 and 2001:db8::5 and ::1')).toBe(false);
  });

  it('suggests a keyed hash for a digest of an email (a Gravatar hash, a hashed email), not a fake email', () => {
    for (const column of ['email_md5', 'hashed_email', 'email_sha256', 'gravatar_hash', 'gravatar', 'emailHash']) {
      expect([column, nameSignal('users', column, 'text')?.rule]).toEqual([column, { strategy: 'hash' }]);
    }
    expect(nameSignal('users', 'email', 'text')?.rule).toEqual({ strategy: 'email' });
  });

  it('reads a bare number as a phone unless it is a Unix time or named as a time or an identifier (WhatsApp webhook fields)', () => {
    expect(valueShape('16505551234', 'wa_id')).toBe('phone');
    expect(valueShape('16505551234', 'from')).toBe('phone');
    expect(valueShape('447700900123')).toBe('phone');
    expect(valueShape('1749416383', 'timestamp')).toBeUndefined();
    expect(valueShape('1749416383')).toBeUndefined();
    expect(valueShape('1749416383123')).toBeUndefined();
    expect(valueShape('102290129340398', 'id')).toBeUndefined();
    expect(valueShape('106540352242922', 'phone_number_id')).toBeUndefined();
    expect(valueShape('44770090012', 'sent_at')).toBeUndefined();
    // Written as a phone number, it is one whatever its name.
    expect(valueShape('+1 650 555 1234', 'contact_id')).toBe('phone');
  });

  it('reads no email or phone into a name for an identifier', () => {
    expect(nameSignal('webhooks', 'phone_number_id', 'text')).toBeUndefined();
    expect(jsonKeySignal('phoneNumberId')).toBeUndefined();
    expect(jsonKeySignal('email_id')).toBeUndefined();
    expect(jsonKeySignal('phone_number')).toEqual({ strategy: 'phone' });
    // Other signals keep theirs: a national id is personal data.
    expect(nameSignal('people', 'national_id', 'text')?.rule).toEqual({ strategy: 'redact' });
  });

  it('suggests nothing for an address-like name on a column that is not text', () => {
    expect(nameSignal('orders', 'ship_to', 'integer')).toBeUndefined();
  });
});
