import path from 'node:path';
import { parse, stringify } from 'yaml';
import { configSchema, type Config } from '../../../../shared/config/schema';
import { awsConfigInput } from '../../aws/factories';
import { writeTree } from './files';

/** The config text of {@link writeConvoSuite}: converse and load sections naming files in every way the loader reads them. */
export const SUITE_CONFIG = [
  'bot: support-bot',
  'databases:',
  '  production: { provider: local, url: "postgres://127.0.0.1:1/prod" }',
  '  staging: { provider: local, url: "postgres://127.0.0.1:1/staging" }',
  'anonymize: { tables: {} }',
  'converse:',
  '  target: http://127.0.0.1:9/chat',
  '  convos:',
  '    - convos/*.yaml',
  '    - botium/**/*.convo.txt',
  '  connector: connectors/bot.yaml',
  'load:',
  '  convos:',
  '    - ../shared/load/*.yaml',
  '  phases: [{ duration: 1s, arrivalRate: 1 }]',
  '',
].join('\n');

/**
 * Not a test: writes a small conversation suite into a fresh folder, `bot/` holding the config:
 * YAML convos (one partial, one with CSV data in a subfolder), Botium files (a convo, the partial
 * convo and utterance list beside it), a connector, a file the globs match but the loader ignores,
 * and a load convo outside the config's folder (`../shared/load`). Returns the root, the config file
 * and the config parsed as the CLI and the CDK app parse it.
 */
export async function writeConvoSuite(configText = SUITE_CONFIG): Promise<{ root: string; configFile: string; config: Config }> {
  const root = await writeTree({
    'bot/rehearsal.config.yaml': configText,
    'bot/convos/greeting.yaml': ['name: greeting', 'partial: true', 'turns:', '  - user: hi', '    expect: [{ contains: Hello }]', ''].join('\n'),
    'bot/convos/order.yaml': ['name: order', 'data: data/users.csv', 'turns:', '  - include: greeting', '  - user: "I am {{email}}"', '    expect: [{ contains: order }]', ''].join('\n'),
    'bot/convos/data/users.csv': 'email\nada@example.test\n',
    'bot/convos/README.md': 'not a conversation\n',
    'bot/botium/support/login.convo.txt': ['Login', '', '#include Welcome', '', '#me', 'LOGIN', '', '#bot', 'Logged in*', ''].join('\n'),
    'bot/botium/support/welcome.pconvo.txt': ['Welcome', '', '#me', 'hello', '', '#bot', 'Hi*', ''].join('\n'),
    'bot/botium/support/login.utterances.txt': ['LOGIN', 'log me in', 'sign in', ''].join('\n'),
    'bot/connectors/bot.yaml': ['url: "{{target}}"', 'reply: { messages: ["$.messages[*].text"] }', ''].join('\n'),
    'shared/load/browse.yaml': ['name: browse', 'turns:', '  - user: show me shoes', '    expect: [{ contains: shoes }]', ''].join('\n'),
  });
  const configFile = path.join(root, 'bot', 'rehearsal.config.yaml');
  return { root, configFile, config: configSchema.parse(parse(configText)) };
}

/** Every file of the suite the converse and load phases read, relative to the suite's root. */
export const SUITE_FILES = [
  'bot/botium/support/login.convo.txt',
  'bot/botium/support/login.utterances.txt',
  'bot/botium/support/welcome.pconvo.txt',
  'bot/connectors/bot.yaml',
  'bot/convos/data/users.csv',
  'bot/convos/greeting.yaml',
  'bot/convos/order.yaml',
  'shared/load/browse.yaml',
];

/** The suite's converse and load sections under a config the CDK app accepts (aws section, AWS providers). */
export function awsSuiteConfigText(): string {
  return stringify({
    ...awsConfigInput(),
    converse: { target: 'http://127.0.0.1:9/chat', convos: ['convos/*.yaml', 'botium/**/*.convo.txt'], connector: 'connectors/bot.yaml' },
    load: { convos: ['../shared/load/*.yaml'], phases: [{ duration: '1s', arrivalRate: 1 }] },
  });
}
