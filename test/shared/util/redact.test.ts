import { redactUrl } from '../../../shared/util/redact';

describe('redactUrl', () => {
  it.each([
    ['the user part', 'postgres://app:topsecret99@db.internal:5432/bot', 'postgres://app:***@db.internal:5432/bot'],
    ['a password parameter', 'postgres://app@db.internal:5432/bot?password=topsecret99', 'postgres://app@db.internal:5432/bot?password=***'],
    ['an sslpassword parameter beside others', 'postgres://app@db/bot?sslmode=require&sslpassword=topsecret99', 'postgres://app@db/bot?sslmode=require&sslpassword=***'],
  ])('hides the password in %s', (_, url, printed) => {
    expect(redactUrl(url)).toBe(printed);
    expect(redactUrl(url)).not.toContain('topsecret99');
  });

  it('keeps what is no secret, and replaces whole what does not parse', () => {
    expect(redactUrl('postgres://app@db.internal:5432/bot?sslmode=require&application_name=rehearsal')).toBe('postgres://app@db.internal:5432/bot?sslmode=require&application_name=rehearsal');
    expect(redactUrl('app:topsecret99@db')).toBe('<unparseable url>');
  });
});
