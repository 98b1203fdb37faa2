import { seededRandom } from './seeded-random';

/**
 * Texts quoting PII of every kind `scrub_text` reads, side by side with other numbers (times, dates,
 * prices, versions) and with few words between them, from a seeded generator: the same texts in every
 * run. Each text lists the PII it was written with, so a test can tell what the detectors miss (a
 * phone number after a date they did not read), not only what they read (one fake written next to
 * another or to a number making PII: a phone's digits running into an address's fake, a fake and the
 * word after it passing a check by chance).
 */

/** A generated text and the PII written in it, each as it stands there (a number without the cue word before it). */
export interface PiiText {
  readonly text: string;
  readonly pii: readonly string[];
}

/** The Luhn check digit that makes `body` and it pass. */
function luhnCheckDigit(body: string): string {
  const sum = [...body].reverse().map(Number).reduce((total, digit, i) => {
    const doubled = i % 2 === 0 ? digit * 2 : digit;
    return total + (doubled > 9 ? doubled - 9 : doubled);
  }, 0);
  return String((10 - (sum % 10)) % 10);
}

/**
 * `count` texts of PII and other numbers, each of one to four pieces with separators or cue words
 * between. A CPF written as eleven bare digits is PII only where a cue calls it one, and is not listed.
 */
export function piiTexts(count: number, seed: number): PiiText[] {
  const random = seededRandom(seed);
  /** The PII of the text being written. */
  let written: string[] = [];
  /** `value`, listed as PII of the text being written; `quoted` is the text it stands in (a cue word and it). */
  const pii = (value: string, quoted = value): string => {
    written.push(value);
    return quoted;
  };
  const below = (n: number): number => Math.floor(random() * n);
  const pick = <T>(items: readonly T[]): T => items[below(items.length)] as T;
  const digits = (n: number, first = '0123456789'): string => pick([...first]) + Array.from({ length: n - 1 }, () => String(below(10))).join('');
  const grouped = (value: string, size: number, separator: string): string => value.replace(new RegExp(`(\\d{${size}})(?=\\d)`, 'g'), `$1${separator}`);

  const card = (): string => {
    const prefix = pick(['4', '51', '37']);
    const body = prefix + digits((prefix === '37' ? 15 : 16) - prefix.length - 1);
    const number = body + luhnCheckDigit(body);
    return pii(pick([number, grouped(number, 4, ' '), grouped(number, 4, '-')]));
  };
  const cpf = (): string => {
    const body = [...digits(9, '123456789')].map(Number);
    const first = ((body.reduce((sum, d, i) => sum + d * (10 - i), 0) * 10) % 11) % 10;
    const second = (([...body, first].reduce((sum, d, i) => sum + d * (11 - i), 0) * 10) % 11) % 10;
    const number = `${body.join('')}${first}${second}`;
    return pick([() => number, () => pii(`${number.slice(0, 3)}.${number.slice(3, 6)}.${number.slice(6, 9)}-${number.slice(9)}`)])();
  };
  const dni = (): string => {
    const number = digits(8, '123456789');
    return pii(number + 'TRWAGMYFPDXBNJZSQVHLCKE'.charAt(Number(number) % 23));
  };
  const bsn = (): string => {
    for (;;) {
      const body = digits(8, '123456789');
      const check = [...body].reduce((sum, d, i) => sum + Number(d) * (9 - i), 0) % 11;
      if (check < 10) return pii(`${body}${check}`, `bsn ${body}${check}`);
    }
  };
  const pesel = (): string => {
    const date = [50 + below(49), 1 + below(12), 1 + below(28)].map((n) => String(n).padStart(2, '0')).join('');
    const body = date + digits(4);
    const weights = [1, 3, 7, 9, 1, 3, 7, 9, 1, 3];
    const sum = [...body].reduce((total, d, i) => total + Number(d) * (weights[i] ?? 0), 0);
    return pii(`${body}${(10 - (sum % 10)) % 10}`, `pesel ${body}${(10 - (sum % 10)) % 10}`);
  };
  const rut = (): string => {
    const body = digits(8, '123456789');
    let sum = 0;
    let weight = 2;
    for (const d of [...body].reverse()) {
      sum += Number(d) * weight;
      weight = weight === 7 ? 2 : weight + 1;
    }
    const rest = 11 - (sum % 11);
    const check = rest === 11 ? '0' : rest === 10 ? 'K' : String(rest);
    const number = pick([`${body.slice(0, 2)}.${body.slice(2, 5)}.${body.slice(5)}-${check}`, `${body}-${check}`]);
    return pii(number, `rut ${number}`);
  };
  const ssn = (): string => {
    const [area, group, serial] = [String(1 + below(665)).padStart(3, '0'), String(1 + below(98)).padStart(2, '0'), String(1 + below(9998)).padStart(4, '0')];
    return pick([() => pii(`${area}-${group}-${serial}`), () => pii(`${area} ${group} ${serial}`), () => pii(`${area}${group}${serial}`, `ssn ${area}${group}${serial}`)])();
  };
  const phone = (): string => pii(pick([
    () => `+44 7${digits(3)} ${digits(6)}`, () => `07${digits(3)} ${digits(6)}`, () => `+1 ${digits(3, '2345689')}-${digits(3, '2345689')}-${digits(4)}`,
    () => `(${digits(3, '2345689')}) ${digits(3, '2345689')}-${digits(4)}`, () => `+49 30 ${digits(8)}`, () => `02 ${digits(8, '23456789')}`,
    () => `06 ${digits(2)} ${digits(2)} ${digits(2)} ${digits(2)}`, () => `+55 11 9${digits(4)}-${digits(4)}`, () => `+91 9${digits(4)} ${digits(5)}`,
    () => `+33${digits(9, '67')}`, () => `+61 4${digits(2)} ${digits(3)} ${digits(3)}`])());
  const address = (): string => `${pick(['ann', 'j.doe', 'max_m', 'zoe+tag'])}${below(1000)}@${pick(['gmail.com', 'acme.co.uk', 'web.de', 'mail.ru'])}`;
  const email = (): string => pii(address());
  // Public addresses only: a reserved one (10.x, 192.168.x) is no PII, and stays.
  const ip = (): string => pii(pick([`${pick([8, 23, 51, 81, 93, 151, 185, 212])}.${below(256)}.${below(256)}.${1 + below(254)}`, `2a00:1450:${digits(4, '1234')}:81f::200e`]));
  const iban = (): string => pii(pick(['DE89 3704 0044 0532 0130 00', 'GB82WEST12345698765432', 'FR14 2004 1010 0505 0001 3M02 606', 'NL91ABNA0417164300', 'ES91 2100 0418 4502 0005 1332']));
  const lettersAndDigits = (): string => pick([() => pii(pick(['AB123456C', 'JG 10 37 59 A', 'RSSMRA85T10A562S', 'ABCPE1234F', 'GODE561231HDFRRN00', 'X1234567L'])), dni,
    () => pii('afzpk7190k', 'pan afzpk7190k'), () => pii('130 692 544', 'SIN 130 692 544'), () => pii('2345 6789 0124', 'aadhaar 2345 6789 0124')])();
  const otherNumbers = (): string => pick(['2026-11-27 12:00:01', '21:29', '12/27', '€12.50', '10kg', '5pm', '#4521', 'v1.2.3', 'ORD-0012345678', '3 x 2', '100%',
    'room 101', '12.05.2024', '(3)', '1,234.56']);
  const encoded = (): string => pick([() => pii(`mailto:${address().replace('@', '%40')}`), () => pii(`?to=%2B44${digits(10, '7')}&x=1`),
    () => pii(`${pick(['ann', 'bob'])} [at] ${pick(['gmail', 'web'])} [dot] com`),
    () => pii(Buffer.from(`{"email":"${address()}","phone":"+44 7700 ${digits(6)}"}`).toString('base64'))])();
  const pieces = [card, cpf, bsn, pesel, rut, ssn, phone, phone, email, ip, iban, lettersAndDigits, otherNumbers, otherNumbers, encoded];
  const between = [' ', ' ', ' ', ', ', '\n', ' / ', '; ', ': ', ' (', ') ', '\t', ' and ', ' tel ', ' cpf ', ' ssn ', ' pan ', ' card ', ' #', ' x ', ' 12 ', ' no. ', ' e ', ' y '];

  return Array.from({ length: count }, () => {
    written = [];
    const parts = [pick(['', 'hi ', 'Order 5: ', 'me: '])];
    for (let i = 0, n = 1 + below(4); i < n; i += 1) parts.push(pick(pieces)(), pick(between));
    return { text: parts.join(''), pii: written };
  });
}
