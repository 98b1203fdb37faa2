import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { CheckFailedError, ConfigError, describeError, exitCodeOf, exitCodeOfName, formatProblem } from '../../shared/errors';

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

describe('exitCodeOfName (an error known by its name alone, as Step Functions reports a Lambda\'s)', () => {
  /** Every `class X extends Y` in shared/, read from the sources: a class added later is checked too. */
  function errorClasses(): Map<string, string> {
    const classes = new Map<string, string>();
    const walk = (dir: string): void => {
      for (const entry of readdirSync(dir, { withFileTypes: true })) {
        const file = path.join(dir, entry.name);
        if (entry.isDirectory()) walk(file);
        else if (file.endsWith('.ts')) for (const [, name, base] of readFileSync(file, 'utf8').matchAll(/class (\w+) extends (\w+)/g)) classes.set(name ?? '', base ?? '');
      }
    };
    walk(path.join(__dirname, '../../shared'));
    return classes;
  }
  /** The exit code a class has by its bases: input errors 2, failed checks 1, anything else 3. */
  function codeByBases(name: string, classes: Map<string, string>): number {
    if (['ConfigError', 'UsageError', 'ProductionWriteBlockedError'].includes(name)) return 2;
    if (name === 'CheckFailedError') return 1;
    const base = classes.get(name);
    return base === undefined ? 3 : codeByBases(base, classes);
  }

  it('gives every error class of shared/ the exit code its bases give it', () => {
    const classes = errorClasses();
    const errors = [...classes.keys()].filter((name) => name.endsWith('Error') && name !== 'RehearsalError');

    expect(errors).toEqual(expect.arrayContaining(['PiiFoundError', 'RowSecurityError', 'ConnectionLostError']));
    expect(Object.fromEntries(errors.map((name) => [name, exitCodeOfName(name)]))).toEqual(Object.fromEntries(errors.map((name) => [name, codeByBases(name, classes)])));
  });

  it('gives a name rehearsal does not know exit code 3', () => {
    expect([exitCodeOfName('Lambda.Unknown'), exitCodeOfName('States.Timeout'), exitCodeOfName('TypeError')]).toEqual([3, 3, 3]);
  });
});
