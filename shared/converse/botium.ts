import { ConfigError, type InputProblem } from '../errors';
import type { DraftConvo, DraftSet, DraftStep, DraftTurn, DraftUserInput } from './draft';
import type { Assertion, Capture, Where } from './model';

/**
 * Botium's text formats, read unchanged: `.convo.txt` (convos), `.pconvo.txt` (partial convos, included
 * with `INCLUDE name` or a `#include name` section) and `.utterances.txt` (first line the list's name,
 * then one utterance per line). In a `#bot` section plain text matches like Botium's default
 * (`*` wildcards, case ignored), `$name` in bot text captures a variable and in `#me` text uses it.
 * Asserters: TEXT, TEXT_CONTAINS_ANY/ALL, TEXT_REGEXP_ANY/ALL (each negatable with `!`), JSON_PATH,
 * BUTTONS; logic hook PAUSE; `BUTTON title` in `#me` (a click, sent as the title's text).
 */

/** The Botium asserters and logic hooks rehearsal understands. */
export const BOTIUM_KEYWORDS = ['TEXT', 'TEXT_CONTAINS_ANY', 'TEXT_CONTAINS_ALL', 'TEXT_REGEXP_ANY', 'TEXT_REGEXP_ALL', 'JSON_PATH', 'BUTTONS', 'PAUSE', 'INCLUDE'] as const;

const KEYWORD_LINE = /^(!?)([A-Z][A-Z0-9_]{2,})(?:\s+(.*))?$/;
const VARIABLE = /\$([A-Za-z_][A-Za-z0-9_]*)/g;

interface Section {
  readonly header: string;
  readonly argument: string;
  readonly line: number;
  readonly lines: Array<{ text: string; line: number }>;
}

/** Parses a `.utterances.txt` file into the set's utterance lists. */
export function parseBotiumUtterances(text: string, file: string, into: DraftSet): void {
  const lines = text.split(/\r?\n/).map((line) => line.trim());
  const name = lines[0];
  const options = lines.slice(1).filter((line) => line !== '');
  if (!name || options.length === 0) {
    throw new ConfigError([{ file, line: 1, path: '', message: 'an utterances file has its name on the first line, then at least one utterance per line' }]);
  }
  into.utterances.set(name, { options, where: { file, line: 1 } });
}

/** Parses a `.convo.txt` or (with `partial`) a `.pconvo.txt` file into a draft. */
export function parseBotiumConvo(text: string, file: string, partial: boolean, into: DraftSet): void {
  const rawLines = text.split(/\r?\n/);
  const firstSection = rawLines.findIndex((line) => line.startsWith('#'));
  const headerLines = (firstSection < 0 ? rawLines : rawLines.slice(0, firstSection)).map((line) => line.trim()).filter((line) => line !== '');
  const name = headerLines[0] ?? file.replace(/^.*[\\/]/, '').replace(/\.p?convo\.txt$/, '');
  const sections = splitSections(rawLines);
  const problems: InputProblem[] = [];
  const steps: DraftStep[] = [];
  let pending: { user: DraftUserInput; thinkMs: number; where: Where } | undefined;
  const flushUser = (expect: Assertion[], capture: Capture[], thinkAfter: number) => {
    if (!pending) return;
    const turn: DraftTurn = { user: pending.user, expect, capture, thinkMs: pending.thinkMs, where: pending.where };
    steps.push({ kind: 'turn', turn });
    pending = undefined;
    return thinkAfter;
  };
  let thinkBeforeNext = 0;
  for (const section of sections) {
    const where = { file, line: section.line };
    const problem = (line: number, message: string) => problems.push({ file, line, path: `#${section.header}`, message });
    if (section.header === 'include') {
      for (const included of section.argument.split('|').filter(Boolean)) steps.push({ kind: 'include', name: included.trim(), where });
    } else if (section.header === 'me') {
      flushUser([], [], 0);
      const texts: string[] = [];
      let thinkMs = thinkBeforeNext;
      thinkBeforeNext = 0;
      for (const { text: line, line: number } of section.lines) {
        const keyword = asserterLine(line);
        const button = /^BUTTON\s+(.+)$/.exec(line);
        // A button click: the default protocol has no payloads, so the user sends the button's title.
        if (button) texts.push((button[1] ?? '').split('|').pop()?.trim() ?? '');
        else if (keyword && keyword[2] === 'PAUSE') thinkMs += pauseMs(keyword[3], number, problem);
        else if (keyword && keyword[2] === 'INCLUDE') (keyword[3] ?? '').split('|').filter(Boolean).forEach((included) => steps.push({ kind: 'include', name: included.trim(), where: { file, line: number } }));
        else if (keyword && !into.utterances.has(line) && isKnownKeyword(keyword[2])) problem(number, `${keyword[2]} is an asserter for #bot sections, not #me`);
        else texts.push(line);
      }
      if (texts.length === 0) continue;
      const text = texts.join('\n').replace(VARIABLE, '{{$1}}');
      // A #me line that names an utterance list sends one of its utterances, as in Botium.
      pending = { user: /^[A-Za-z0-9_]+$/.test(text) && text.toUpperCase() === text && text.length > 2 ? { kind: 'utterances', name: text, orText: true } : { kind: 'text', text }, thinkMs, where };
    } else if (section.header === 'bot') {
      const { expect, capture, pauseAfter } = botSection(section, into, problem);
      if (!pending) problem(section.line, 'a #bot section needs a #me section before it');
      thinkBeforeNext += flushUser(expect, capture, pauseAfter) ?? 0;
    } else if (section.header !== 'begin' && section.header !== 'end') {
      problem(section.line, `unknown section #${section.header}, expected #me, #bot, #begin, #end or #include`);
    }
  }
  if (pending) flushUser([], [], 0);
  if (steps.length === 0) problems.push({ file, line: 1, path: '', message: 'a convo needs at least one #me section or INCLUDE' });
  if (problems.length > 0) throw new ConfigError(problems);
  const draft: DraftConvo = { name, partial, tags: [], weight: 1, steps, where: { file, line: 1 } };
  into.drafts.push(draft);
}

function botSection(section: Section, into: DraftSet, problem: (line: number, message: string) => void): { expect: Assertion[]; capture: Capture[]; pauseAfter: number } {
  const expect: Assertion[] = [];
  const capture: Capture[] = [];
  let pauseAfter = 0;
  const texts: string[] = [];
  for (const { text: line, line: number } of section.lines) {
    const keyword = asserterLine(line);
    if (!keyword || into.utterances.has(line)) {
      texts.push(line);
      continue;
    }
    const [, negate, name = '', rest = ''] = keyword;
    const args = rest === '' ? [] : rest.split('|');
    if (!isKnownKeyword(name)) {
      problem(number, `unknown asserter ${name}, expected one of ${BOTIUM_KEYWORDS.join(', ')}`);
      continue;
    }
    if (name === 'PAUSE') pauseAfter += pauseMs(rest, number, problem);
    else if (name === 'INCLUDE') problem(number, 'INCLUDE belongs in a #me or #include section');
    else if (args.length === 0 && name !== 'BUTTONS') problem(number, `${name} needs arguments separated by |`);
    else expect.push(keywordAssertion(name, negate === '!', args));
  }
  if (texts.length > 0) {
    const text = texts.join('\n');
    const utterances = into.utterances.get(text);
    const patterns = (utterances ? utterances.options : [text]).map(wildcardPattern);
    expect.push({ kind: 'regex', patterns, mode: 'any', flags: 'i' });
    capture.push(...variableCaptures(text));
  }
  return { expect, capture, pauseAfter };
}

function keywordAssertion(name: string, negate: boolean, args: string[]): Assertion {
  const values = args.map((arg) => arg.replace(VARIABLE, '{{$1}}'));
  switch (name) {
    case 'TEXT':
    case 'TEXT_CONTAINS_ANY':
      if (negate) return { kind: 'notContains', values };
      return name === 'TEXT' ? { kind: 'regex', patterns: args.map(wildcardPattern), mode: 'any', flags: 'i' } : { kind: 'contains', values, mode: 'any' };
    case 'TEXT_CONTAINS_ALL':
      return negate ? { kind: 'notContains', values } : { kind: 'contains', values, mode: 'all' };
    case 'TEXT_REGEXP_ANY':
    case 'TEXT_REGEXP_ALL': {
      const mode = name.endsWith('ALL') ? 'all' : 'any';
      return negate ? { kind: 'regex', patterns: [`^(?![\\s\\S]*(?:${values.join('|')}))`], mode: 'all', flags: '' } : { kind: 'regex', patterns: values, mode, flags: '' };
    }
    case 'JSON_PATH': {
      const [jsonPath = '$', expected] = args;
      return expected === undefined ? { kind: 'jsonPath', path: jsonPath, exists: !negate } : { kind: 'jsonPath', path: jsonPath, equals: expected.replace(VARIABLE, '{{$1}}') };
    }
    default:
      return { kind: 'buttons', titles: values };
  }
}

/** Botium's wildcard matching: `*` is any text, case is ignored; `$name` matches one word. */
function wildcardPattern(text: string): string {
  return text.split(/(\*|\$[A-Za-z_][A-Za-z0-9_]*)/).map((part) => (part === '*' ? '[\\s\\S]*' : part.startsWith('$') && part.length > 1 ? '\\S+' : escapeRegex(part))).join('');
}

/** One capture per `$name` in bot text: a regex with that variable as the group. */
function variableCaptures(text: string): Capture[] {
  const names = [...text.matchAll(VARIABLE)].map((match) => match[1] ?? '');
  return names.map((name) => ({
    name,
    from: 'regex' as const,
    flags: 'i',
    expression: text.split(/(\*|\$[A-Za-z_][A-Za-z0-9_]*)/).map((part) => (part === `$${name}` ? '(\\S+?)(?=[.,!?]?(?:\\s|$))' : part === '*' ? '[\\s\\S]*' : part.startsWith('$') && part.length > 1 ? '\\S+' : escapeRegex(part))).join(''),
  }));
}

function splitSections(lines: readonly string[]): Section[] {
  const sections: Section[] = [];
  let current: Section | undefined;
  lines.forEach((raw, index) => {
    const line = raw.trim();
    if (line.startsWith('#')) {
      const [header = '', ...rest] = line.slice(1).split(/\s+/);
      current = { header: header.toLowerCase(), argument: rest.join(' '), line: index + 1, lines: [] };
      sections.push(current);
    } else if (current && line !== '') {
      current.lines.push({ text: line, line: index + 1 });
    }
  });
  return sections;
}

function pauseMs(argument: string | undefined, line: number, problem: (line: number, message: string) => void): number {
  const ms = Number(argument);
  if (!Number.isFinite(ms) || ms < 0) {
    problem(line, `PAUSE needs a number of milliseconds, got ${JSON.stringify(argument ?? '')}`);
    return 0;
  }
  return ms;
}

/** A line that is meant as an asserter: a known keyword, or an upper-case name with an underscore (a misspelt one). */
function asserterLine(line: string): RegExpExecArray | undefined {
  const match = KEYWORD_LINE.exec(line);
  if (!match) return undefined;
  return isKnownKeyword(match[2]) || (match[2] ?? '').includes('_') ? match : undefined;
}

function isKnownKeyword(name: string | undefined): boolean {
  return (BOTIUM_KEYWORDS as readonly string[]).includes(name ?? '');
}

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
