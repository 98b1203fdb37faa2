import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import pg from 'pg';
import { loadConfig } from '../../shared/config/load';
import { parseDatabaseUrl, quoteIdent } from '../../shared/db/client';
import { seedProduction, seedSizeFor, type SeedSize } from '../../shared/demo/seed';
import { startEmbeddedServer } from '../../shared/local/embedded-server';
import { ProcessSampler } from '../../shared/metrics/process-sampler';
import { staticResources, type ResourceSource } from '../../shared/metrics/resources';
import { runLocally } from '../../shared/pipeline/local-run';
import type { RunLog } from '../../shared/pipeline/log';
import type { RunReport } from '../../shared/pipeline/report';
import { startBotProcess } from './bot-process';
import { DEMO_DATABASES, writeDemoWorkspace, type DemoDatabaseNames } from './workspace';

/** Options of {@link setUpDemo} and {@link runDemo}. */
export interface DemoOptions {
  /** 1 = 100,000 messages. */
  readonly scale: number;
  /** Report folder; the demo's workspace (config, convos, env files) is written to `<outDir>/demo/`. */
  readonly outDir: string;
  readonly log: RunLog;
  readonly env: NodeJS.ProcessEnv;
  /** A running server to use (superuser URL of its `postgres` database); by default an embedded one is started. */
  readonly serverUrl?: string;
  /** Database names; by default `support` and `support_staging`. */
  readonly databases?: DemoDatabaseNames;
}

/** A demo ready to run: databases filled, bot listening, workspace written. */
export interface DemoSetup {
  readonly configFile: string;
  /** The environment the run needs (the database password variable). */
  readonly env: NodeJS.ProcessEnv;
  readonly databases: DemoDatabaseNames;
  /** Superuser URL of a database on the demo's server. */
  readonly databaseUrl: (database: string) => string;
  readonly setupMs: { readonly server: number; readonly seed: number; readonly bot: number };
  /** The example bot's own CPU and memory, sampled every second while the demo runs. */
  readonly botResources: ResourceSource;
  /** Stops the bot and, when the demo started it, the server. */
  stop(): Promise<void>;
}

/** A finished demo: the run's report and how long the set-up took. */
export interface DemoResult {
  readonly report: RunReport;
  readonly configFile: string;
  readonly setupMs: DemoSetup['setupMs'];
}

/**
 * Sets the demo up: a real PostgreSQL (embedded, unless one is given), a "production" support-bot
 * database filled with generated personal data, yesterday's staging, the example bot answering from
 * staging, and the demo's own config. On failure, whatever it started is stopped.
 */
export async function setUpDemo(options: DemoOptions): Promise<DemoSetup> {
  const { log } = options;
  const databases = options.databases ?? DEMO_DATABASES;
  const stops: (() => Promise<void>)[] = [];
  const stopAll = async (): Promise<void> => {
    for (const stop of stops.splice(0)) await stop().catch(() => undefined);
  };
  let t = Date.now();
  let adminUrl = options.serverUrl;
  if (adminUrl === undefined) {
    log.info('starting an embedded PostgreSQL server ...');
    const server = await startEmbeddedServer();
    stops.push(() => server.stop());
    adminUrl = server.url();
  }
  const databaseUrl = parseDatabaseUrl(adminUrl).withDatabase;
  const setupMs = { server: Date.now() - t, seed: 0, bot: 0 };
  try {
    const workspace = path.join(options.outDir, 'demo');
    await rm(workspace, { recursive: true, force: true });
    await mkdir(workspace, { recursive: true });
    const botLogFile = path.join(workspace, 'bot.log');
    await writeFile(botLogFile, '');

    t = Date.now();
    const size = seedSizeFor(options.scale);
    log.info(`creating production database "${databases.production}" with ${size.users} users, ${size.orders} orders and ${size.messages} messages ...`);
    await createDemoDatabases(databaseUrl, databases, size);
    setupMs.seed = Date.now() - t;

    t = Date.now();
    const env = { ...options.env, REHEARSAL_DEMO_DB_PASSWORD: new URL(adminUrl).password };
    const bot = await startBotProcess({ databaseUrl: databaseUrl(databases.staging), logFile: botLogFile, env });
    stops.unshift(() => bot.stop());
    const sampler = new ProcessSampler({ pid: bot.pid, name: 'example bot' });
    sampler.start();
    stops.unshift(async () => sampler.stop());
    const botResources: ResourceSource = { series: (window) => staticResources(sampler.series()).series(window) };
    setupMs.bot = Date.now() - t;
    log.info(`example bot listening at ${bot.url}`);

    const configFile = await writeDemoWorkspace(workspace, { serverUrl: databaseUrl, databases, botUrl: bot.url, botLogFile });
    return { configFile, env, databases, databaseUrl, setupMs, botResources, stop: stopAll };
  } catch (error) {
    await stopAll();
    throw error;
  }
}

/**
 * The whole product on one machine: {@link setUpDemo}, then the full pipeline with the demo's config.
 * Everything it started is stopped before it returns, whatever happened.
 */
export async function runDemo(options: DemoOptions): Promise<DemoResult> {
  const setup = await setUpDemo(options);
  try {
    const loaded = await loadConfig(setup.configFile, setup.env);
    const report = await runLocally({
      loaded, outDir: options.outDir, env: setup.env, log: options.log, resources: setup.botResources,
      onPhase: ({ phase, result }) => (result ? undefined : options.log.info(`${phase} ...`)),
    });
    return { report, configFile: setup.configFile, setupMs: setup.setupMs };
  } finally {
    await setup.stop();
  }
}

/** Production with generated data, and yesterday's staging (schema and one row) for the swap to replace. */
async function createDemoDatabases(databaseUrl: (database: string) => string, databases: DemoDatabaseNames, size: SeedSize): Promise<void> {
  await withClient(databaseUrl('postgres'), async (admin) => {
    for (const name of [databases.production, databases.staging]) await admin.query(`CREATE DATABASE ${quoteIdent(name)}`);
  });
  await withClient(databaseUrl(databases.production), (client) => seedProduction(client, size));
  await withClient(databaseUrl(databases.staging), (client) => seedProduction(client, { users: 1, orders: 1, conversations: 1, messages: 1 }));
}

async function withClient(url: string, work: (client: pg.Client) => Promise<void>): Promise<void> {
  const client = new pg.Client(url);
  await client.connect();
  try {
    await work(client);
  } finally {
    await client.end();
  }
}
