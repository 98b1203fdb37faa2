import { closestName } from '../../../shared/util/closest-name';

describe('closestName', () => {
  it('takes a name equal but for case first, then the single nearest within two edits, a swap of two letters counting as one', () => {
    expect(closestName('FullName', ['fullName', 'firstName'])).toBe('fullName');
    expect(closestName('emial', ['email', 'hash', 'phone'])).toBe('email');
    expect(closestName('scrubtxt', ['scrubText', 'street'])).toBe('scrubText');
  });

  it('gives no hint when nothing is near, when two names are equally near, or for a short name more than one edit away', () => {
    expect(closestName('anonymise', ['email', 'hash', 'redact'])).toBeUndefined();
    expect(closestName('cat', ['car', 'cap'])).toBeUndefined();
    expect(closestName('ab', ['xy'])).toBeUndefined();
    expect(closestName('ab', ['ab'])).toBeUndefined();
  });
});
