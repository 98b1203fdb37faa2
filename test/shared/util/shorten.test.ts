import { shortenMiddle } from '../../../shared/util/shorten';

describe('shortenMiddle', () => {
  it('keeps a text that fits whole', () => {
    expect(shortenMiddle('lost the connection', 19)).toBe('lost the connection');
  });

  it('keeps the beginning and the end of a longer one, a third of it the end, at the length asked', () => {
    const text = `${'a'.repeat(50)}${'m'.repeat(100)}${'z'.repeat(50)}`;

    const shortened = shortenMiddle(text, 63);

    expect(shortened).toBe(`${'a'.repeat(40)} … ${'z'.repeat(20)}`);
    expect(shortened).toHaveLength(63);
  });
});
