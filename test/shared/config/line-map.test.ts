import { fileLinesSchema, lineTreeLocator } from '../../../shared/config/line-map';
import { yamlLineLocator, yamlLineTree } from '../../../shared/config/load';

/** A config-like document: comments, flow and block maps, sequences of scalars and of maps, quoted keys with dots. */
const TEXT = [
  '# rehearsal config', //                        1
  'bot: support-bot', //                          2
  'databases:', //                                3
  '  production: { url: "postgres://p" }', //     4
  'anonymize:', //                                5
  '  tables:', //                                 6
  '    public.users:', //                         7
  '      columns:', //                            8
  '        id: keep', //                          9
  '        "$.weird.key": email', //              10
  '        settings:', //                         11
  '          strategy: json', //                  12
  '          paths: { "$.contact.email": email }', // 13
  '    public.sessions: truncate', //             14
  'converse:', //                                 15
  '  convos:', //                                 16
  '    - convos/*.convo.yaml', //                 17
  '    - path: convos/extra.yaml', //             18
  '      tags: [smoke]', //                       19
  '',
].join('\n');

/** Every path of the document, plus paths that go past a scalar or name a key that is not there. */
const PATHS: ReadonlyArray<readonly PropertyKey[]> = [
  [], ['bot'], ['databases'], ['databases', 'production'], ['databases', 'production', 'url'],
  ['anonymize', 'tables', 'public.users'], ['anonymize', 'tables', 'public.users', 'columns', 'id'],
  ['anonymize', 'tables', 'public.users', 'columns', '$.weird.key'],
  ['anonymize', 'tables', 'public.users', 'columns', 'settings', 'paths', '$.contact.email'],
  ['anonymize', 'tables', 'public.users', 'columns', 'email'], ['anonymize', 'tables', 'public.sessions'],
  ['anonymize', 'tables', 'public.sessions', 'columns', 'x'], ['anonymize', 'tables', 'public.ghosts'],
  ['converse', 'convos', 0], ['converse', 'convos', 1, 'path'], ['converse', 'convos', 1, 'tags', 0], ['converse', 'convos', 7], ['nothing', 'here'],
];

describe('the line map bundled with the config (yamlLineTree, lineTreeLocator)', () => {
  it('answers every path as the YAML locator over the text does, the closest existing parent included', () => {
    const fromText = yamlLineLocator(TEXT);
    const fromTree = lineTreeLocator(yamlLineTree(TEXT));

    expect(PATHS.map((at) => fromTree(at))).toEqual(PATHS.map((at) => fromText(at)));
    expect(fromTree(['anonymize', 'tables', 'public.users', 'columns', 'settings', 'paths', '$.contact.email'])).toBe(13);
    expect(fromTree(['anonymize', 'tables', 'public.users', 'columns', 'email'])).toBe(8);
    expect(fromTree(['converse', 'convos', 1, 'tags', 0])).toBe(19);
  });

  it('holds lines and keys only, never a value, and survives JSON', () => {
    const tree = yamlLineTree(TEXT);
    const json = JSON.stringify({ file: 'rehearsal.config.yaml', lines: tree });

    expect(json).not.toContain('support-bot');
    expect(json).not.toContain('postgres://p');
    expect(fileLinesSchema.parse(JSON.parse(json))).toEqual({ file: 'rehearsal.config.yaml', lines: tree });
  });

  it('gives line 1 for an empty document, and the schema refuses a malformed map with its path', () => {
    expect(yamlLineTree('')).toEqual({ line: 1 });

    const parsed = fileLinesSchema.safeParse({ file: 'c.yaml', lines: { line: 1, keys: { bot: { line: 0 } } } });

    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues.map((issue) => issue.path)).toEqual([['lines', 'keys', 'bot', 'line']]);
  });
});
