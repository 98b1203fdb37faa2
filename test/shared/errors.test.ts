import { CheckFailedError, ConfigError, describeError, exitCodeOf, formatProblem } from '../../shared/errors';

describe('formatProblem', () => {
  it.each([
    ['file, line and path', { file: 'rules.yaml', line: 4, path: 'tables.public.users', message: 'unknown strategy' }, 'rules.yaml:4: tables.public.users: unknown strategy'],
    ['a file without a line', { file: 'rules.yaml', path: 'tables', message: 'empty' }, 'rules.yaml: tables: empty'],
    ['the top level of a file', { file: 'rules.yaml', line: 1, path: '', message: 'unknown key' }, 'rules.yaml:1: (top level): unknown key'],
    ['a path of no file', { path: 'load.target', message: 'missing' }, 'load.target: missing'],
    ['a sentence of no file and no path', { path: '', message: 'the masking key differs' }, 'the masking key differs'],
  ])('writes %s as where: what', (_case, problem, expected) => {
    expect(formatProblem(problem)).toBe(expected);
  });

  it('makes a ConfigError from a sentence read as that sentence, with exit code 2', () => {
    const error = new ConfigError('this database holds a masking run started with another key');

    expect(error.message).toBe('this database holds a masking run started with another key');
    expect(exitCodeOf(error)).toBe(2);
  });
});

describe('exitCodeOf and describeError', () => {
  it('maps rehearsal errors to their codes and anything else to an environment failure (3)', () => {
    expect(exitCodeOf(new CheckFailedError('pii found'))).toBe(1);
    expect(exitCodeOf(new Error('socket hang up'))).toBe(3);
    expect(exitCodeOf('a string')).toBe(3);
  });

  it('describes an error with its cause on one line, and any other thrown value as text', () => {
    expect(describeError(new Error('connect failed', { cause: new Error('ECONNREFUSED') }))).toBe('connect failed (cause: ECONNREFUSED)');
    expect(describeError(42)).toBe('42');
  });
});
