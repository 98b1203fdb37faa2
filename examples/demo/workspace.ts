import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { DEMO_RULES_YAML } from '../../shared/demo/rules';

/** The demo's production and staging database names. */
export interface DemoDatabaseNames {
  readonly production: string;
  readonly staging: string;
}

/** Where the demo's databases and bot are. */
export interface DemoTargets {
  /** URL of a database on the demo server; its password is replaced by `${env:REHEARSAL_DEMO_DB_PASSWORD}` in files. */
  readonly serverUrl: (database: string) => string;
  readonly databases: DemoDatabaseNames;
  readonly botUrl: string;
  readonly botLogFile: string;
}

/** Names the demo uses. */
export const DEMO_DATABASES: DemoDatabaseNames = { production: 'support', staging: 'support_staging' };

/** The demo's rules as the config's `anonymize` section. */
const DEMO_RULES = `anonymize:\n${DEMO_RULES_YAML.replace(/^/gm, '  ').trimEnd()}\n`;

const CONVOS: Record<string, string> = {
  'track-order.convo.yaml': `name: track an order
tags: [smoke, orders]
turns:
  - user: hello
    expect:
      - contains: I can track an order
      - buttons: [Track an order, Email on file]
  - user: Where is my order ORD-100001?
    within: 1500ms
    expect:
      - regex: "Order ORD-100001 is (placed|packed|shipped|delivered|returned)\\\\."
`,
  'email-on-file.convo.yaml': `name: the email on file is a reserved fake address
tags: [smoke, privacy]
turns:
  - user: Where is order ORD-100002?
    expect:
      - contains: ORD-100002
  - user: And what email do you have on file for it?
    within: 1500ms
    expect:
      - regex: "The email on file for order ORD-100002 is [^@\\\\s]+@(example\\\\.(com|org|net)|[a-z0-9.-]+\\\\.(test|example|invalid))\\\\."
`,
};

/**
 * Writes the demo's own workspace: `rehearsal.config.yaml`, conversation files, the two env files the
 * parity check compares with its policy, and a fresh masking key file. Returns the config's path.
 */
export async function writeDemoWorkspace(dir: string, targets: DemoTargets): Promise<string> {
  await mkdir(path.join(dir, 'convos'), { recursive: true });
  for (const [name, text] of Object.entries(CONVOS)) await writeFile(path.join(dir, 'convos', name), text);
  await writeFile(path.join(dir, 'masking.key'), `${randomBytes(32).toString('base64')}\n`, { mode: 0o600 });
  await writeFile(path.join(dir, 'production.env'), [
    'LOG_LEVEL=info', 'FEATURE_RETURNS=on', 'ORDER_API_URL=https://orders.internal/api',
    `SUPPORT_API_KEY=prod-${randomBytes(12).toString('hex')}`, `DATABASE_URL=${withoutPassword(targets.serverUrl(targets.databases.production))}`, '',
  ].join('\n'));
  await writeFile(path.join(dir, 'staging.env'), [
    'LOG_LEVEL=info', 'FEATURE_RETURNS=on', 'ORDER_API_URL=https://orders.internal/api',
    `SUPPORT_API_KEY=stg-${randomBytes(12).toString('hex')}`, `DATABASE_URL=${withoutPassword(targets.serverUrl(targets.databases.staging))}`, '',
  ].join('\n'));
  const config = `# Written by \`rehearsal demo\`: a complete example of rehearsal.config.yaml.
bot: support-bot
environment: staging
databases:
  production:
    url: "${withPassword(targets.serverUrl(targets.databases.production))}"
  staging:
    url: "${withPassword(targets.serverUrl(targets.databases.staging))}"
    keepPrevious: false
    keepSnapshots: 2
maskingKey:
  file: masking.key
${DEMO_RULES}parity:
  production: { envFile: production.env }
  staging: { envFile: staging.env }
  policy:
    keys:
      LOG_LEVEL: copy
      FEATURE_*: copy
      ORDER_API_URL: copy
      "*_API_KEY": mustDiffer
      DATABASE_URL: mustDiffer
converse:
  target: ${targets.botUrl}
  convos: ["convos/*.convo.yaml"]
load:
  phases:
    - { duration: 5s, arrivalRate: 20 }
  # The demo shares one small machine with its database and bot: only a stall this long marks the
  # generator saturated (the default, 100ms, is for a generator on a machine of its own).
  maxEventLoopLag: 1s
  thresholds:
    p95: 800ms
    p99: 2s
    errorRate: 0.01
metrics:
  namespace: Rehearsal
  stagingLog: { file: bot.log }
`;
  const file = path.join(dir, 'rehearsal.config.yaml');
  await writeFile(file, config);
  return file;
}

/** Application settings name the database; its password lives elsewhere. */
function withoutPassword(url: string): string {
  const parsed = new URL(url);
  parsed.password = '';
  return parsed.toString();
}

/** The password never goes into the file: the config reads it from the environment. */
function withPassword(url: string): string {
  const parsed = new URL(url);
  return `${parsed.protocol}//${parsed.username}:\${env:REHEARSAL_DEMO_DB_PASSWORD}@${parsed.host}${parsed.pathname}`;
}
