import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import pg from 'pg';
import { loadConfig } from '../../shared/config/load';
import { quoteIdent } from '../../shared/db/client';
import { seedProduction, seedSizeFor } from '../../shared/demo/seed';
import { startEmbeddedServer } from '../../shared/local/embedded-server';
import { runLocally } from '../../shared/pipeline/local-run';
import type { RunLog } from '../../shared/pipeline/log';
import type { RunReport } from '../../shared/pipeline/report';
import { startBotProcess } from './bot-process';
import { DEMO_DATABASES, writeDemoWorkspace } from './workspace';

/** Options of {@link runDemo}. */
export interface DemoOptions {
  /** 1 = 100,000 messages. */
  readonly scale: number;
  /** Report folder; the demo's workspace (config, convos, env files) is written to `<outDir>/demo/`. */
  readonly outDir: string;
  readonly log: RunLog;
  readonly env: NodeJS.ProcessEnv;
}

/** A finished demo: the run's report and how long the set-up took. */
export interface DemoResult {
  readonly report: RunReport;
  readonly configFile: string;
  readonly setupMs: { readonly server: number; readonly seed: number; readonly bot: number };
}

/**
 * The whole product on one machine: starts a real PostgreSQL, fills a "production" support-bot
 * database with generated personal data, creates yesterday's staging, starts the example bot against
 * staging, and runs the full pipeline with the demo's own config. Everything it started is stopped
 * before it returns, whatever happened.
 */
export async function runDemo(options: DemoOptions): Promise<DemoResult> {
  const { log } = options;
  let t = Date.now();
  log.info('starting an embedded PostgreSQL server ...');
  const server = await startEmbeddedServer();
  const setupMs = { server: Date.now() - t, seed: 0, bot: 0 };
  const stops: (() => Promise<void>)[] = [() => server.stop()];
  try {
    const workspace = path.join(options.outDir, 'demo');
    await rm(workspace, { recursive: true, force: true });
    await mkdir(workspace, { recursive: true });
    const botLogFile = path.join(workspace, 'bot.log');
    await writeFile(botLogFile, '');

    t = Date.now();
    const size = seedSizeFor(options.scale);
    log.info(`creating production database "${DEMO_DATABASES.production}" with ${size.users} users, ${size.orders} orders and ${size.messages} messages ...`);
    await createDemoDatabases(server.url(), size);
    setupMs.seed = Date.now() - t;

    t = Date.now();
    const env = { ...options.env, REHEARSAL_DEMO_DB_PASSWORD: new URL(server.url()).password };
    const bot = await startBotProcess({ databaseUrl: server.url(DEMO_DATABASES.staging), logFile: botLogFile, env });
    stops.unshift(() => bot.stop());
    setupMs.bot = Date.now() - t;
    log.info(`example bot listening at ${bot.url}`);

    const serverUrl = (database: string): string => {
      const url = new URL(server.url(database));
      url.password = '';
      return url.toString();
    };
    const configFile = await writeDemoWorkspace(workspace, { serverUrl, botUrl: bot.url, botLogFile });
    const loaded = await loadConfig(configFile, env);
    const report = await runLocally({ loaded, outDir: options.outDir, env, log, onPhase: ({ phase, result }) => (result ? undefined : log.info(`${phase} ...`)) });
    return { report, configFile, setupMs };
  } finally {
    for (const stop of stops) await stop().catch(() => undefined);
  }
}

/** Production with generated data, and yesterday's staging (schema only) for the swap to replace. */
async function createDemoDatabases(adminUrl: string, size: ReturnType<typeof seedSizeFor>): Promise<void> {
  const admin = new pg.Client(adminUrl);
  await admin.connect();
  try {
    for (const name of Object.values(DEMO_DATABASES)) await admin.query(`CREATE DATABASE ${quoteIdent(name)}`);
  } finally {
    await admin.end();
  }
  const url = (database: string): string => {
    const parsed = new URL(adminUrl);
    parsed.pathname = `/${database}`;
    return parsed.toString();
  };
  const production = new pg.Client(url(DEMO_DATABASES.production));
  await production.connect();
  try {
    await seedProduction(production, size);
  } finally {
    await production.end();
  }
  const staging = new pg.Client(url(DEMO_DATABASES.staging));
  await staging.connect();
  try {
    await seedProduction(staging, { users: 1, orders: 1, conversations: 1, messages: 1 });
  } finally {
    await staging.end();
  }
}
