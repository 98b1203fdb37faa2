import { ConfigError } from '../../../shared/errors';
import { classify, globToRegExp } from '../../../shared/parity/policy';

describe('globToRegExp', () => {
  it('matches * as any run of characters and ? as one, anchored at both ends, with other characters literal', () => {
    expect(globToRegExp('DB_*').test('DB_HOST')).toBe(true);
    expect(globToRegExp('DB_*').test('MY_DB_HOST')).toBe(false);
    expect(globToRegExp('*_API_KEY').test('api/OPENAI_API_KEY')).toBe(true);
    expect(globToRegExp('V?').test('V1')).toBe(true);
    expect(globToRegExp('V?').test('V12')).toBe(false);
    expect(globToRegExp('a.b').test('axb')).toBe(false);
  });
});

describe('classify', () => {
  it('gives each key the rule of the one pattern that matches it and leaves other keys out', () => {
    // Act
    const { rules, unusedPatterns } = classify({ keys: { 'DB_*': 'copy', '*_API_KEY': 'mustDiffer', TYPO_KEY: 'ignore' } }, ['DB_HOST', 'OPENAI_API_KEY', 'OTHER']);

    // Assert
    expect([...rules]).toEqual([
      ['DB_HOST', { action: 'copy', pattern: 'DB_*' }],
      ['OPENAI_API_KEY', { action: 'mustDiffer', pattern: '*_API_KEY' }],
    ]);
    expect(unusedPatterns).toEqual(['TYPO_KEY']);
  });

  it('rejects a key classified twice with a ConfigError naming the key and both patterns', () => {
    const act = () => classify({ keys: { 'DB_*': 'copy', '*_PASSWORD': 'mustDiffer' } }, ['DB_PASSWORD', 'DB_HOST'], 'policy.yaml');

    expect(act).toThrow(ConfigError);
    expect(act).toThrow('policy.yaml: policy.keys: key DB_PASSWORD is classified twice: by "DB_*" (copy) and by "*_PASSWORD" (mustDiffer); make the patterns disjoint');
  });
});
