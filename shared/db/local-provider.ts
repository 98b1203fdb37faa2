import type pg from 'pg';
import { ConfigError, EnvironmentError } from '../errors';
import { parseDatabaseUrl, quoteIdent, quoteLiteral, withClient, type ParsedDatabaseUrl } from './client';
import { LocalProductionGuard } from './production-guard';
import type { DatabaseProvider, DatabaseRef, Progress, Promotion, SnapshotRef } from './provider';

/** Settings of the local provider, taken from the config's `databases` section. */
export interface LocalProviderOptions {
  readonly productionUrl: string;
  readonly stagingUrl: string;
  readonly keepPrevious: boolean;
  readonly now?: () => Date;
}

const SNAPSHOT_TAG = 'rehearsal:snapshot';
const CANDIDATE_TAG = 'rehearsal:candidate';

/**
 * Snapshot, restore and swap on one PostgreSQL server: the demo and self-managed servers.
 *
 * - snapshot: `CREATE DATABASE <prod>_snap_<time> TEMPLATE <prod>` (a consistent file-level copy;
 *   PostgreSQL refuses while other sessions use production, and rehearsal never ends them).
 * - restore: `CREATE DATABASE <staging>_candidate TEMPLATE <snapshot>`.
 * - promote: staging is renamed `<staging>_previous` and the candidate takes staging's name; sessions on
 *   staging are ended so clients reconnect to the new database.
 * Every statement that changes a database passes the production guard first.
 */
export class LocalDatabaseProvider implements DatabaseProvider {
  readonly kind = 'local';
  readonly #production: ParsedDatabaseUrl;
  readonly #staging: ParsedDatabaseUrl;
  readonly #guard: LocalProductionGuard;

  constructor(private readonly options: LocalProviderOptions) {
    this.#production = parseDatabaseUrl(options.productionUrl);
    this.#staging = parseDatabaseUrl(options.stagingUrl);
    this.#guard = new LocalProductionGuard(this.#production.database);
  }

  /** `<staging>_candidate`: where a run restores and masks before the swap. */
  get candidateName(): string {
    return `${this.#staging.database}_candidate`;
  }

  /** `<staging>_previous`: the staging database a swap replaced, kept until the checks pass. */
  get previousName(): string {
    return `${this.#staging.database}_previous`;
  }

  async preflight(): Promise<void> {
    const [prod, staging] = [this.#production, this.#staging];
    if (prod.host !== staging.host || prod.port !== staging.port) {
      throw new ConfigError([{
        path: 'databases.staging.url',
        message: `production is on ${prod.host}:${prod.port} and staging on ${staging.host}:${staging.port}; the local provider copies with CREATE DATABASE ... TEMPLATE, which needs both on one server. Cross-server copies are not supported yet: put staging on production's server, or use the RDS or Aurora provider`,
      }]);
    }
    for (const name of [this.candidateName, this.previousName, this.#staging.database]) this.#guard.assertWritable(name, 'use');
    await withClient(this.#adminConfig(), async (client) => {
      const found = await client.query<{ datname: string }>('SELECT datname FROM pg_database WHERE datname = $1', [prod.database]);
      if (found.rowCount === 0) throw new EnvironmentError(`production database "${prod.database}" does not exist on ${prod.host}:${prod.port}`);
    });
  }

  async snapshot(_runId: string): Promise<Progress<SnapshotRef>> {
    const createdAt = (this.options.now?.() ?? new Date()).toISOString();
    const id = `${this.#production.database.slice(0, 40)}_snap_${createdAt.replace(/\D/g, '').slice(0, 17)}`;
    this.#guard.assertWritable(id, 'create');
    await withClient(this.#adminConfig(), async (client) => {
      await this.#copyDatabase(client, this.#production.database, id);
      await client.query(`COMMENT ON DATABASE ${quoteIdent(id)} IS ${quoteLiteral(`${SNAPSHOT_TAG}:${this.#production.database}`)}`);
    });
    return { state: 'ready', value: { id, createdAt } };
  }

  async restore(snapshot: SnapshotRef, _runId: string): Promise<Progress<DatabaseRef>> {
    const name = this.candidateName;
    this.#guard.assertWritable(name, 'create');
    await withClient(this.#adminConfig(), async (client) => {
      // A candidate left by a run that crashed is rehearsal's own: start again from the snapshot.
      await client.query(`DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`);
      await this.#copyDatabase(client, snapshot.id, name);
      await client.query(`COMMENT ON DATABASE ${quoteIdent(name)} IS ${quoteLiteral(CANDIDATE_TAG)}`);
    });
    return { state: 'ready', value: { id: name, database: name } };
  }

  async connection(ref: DatabaseRef): Promise<pg.ClientConfig> {
    this.#guard.assertWritable(ref.database, 'connect for changes to');
    return { connectionString: this.#staging.withDatabase(ref.database) };
  }

  async promote(candidate: DatabaseRef): Promise<Progress<Promotion>> {
    const staging = this.#staging.database;
    const previous = this.previousName;
    for (const name of [candidate.database, staging, previous]) this.#guard.assertWritable(name, 'rename');
    const hadStaging = await withClient(this.#adminConfig(), async (client) => {
      await client.query(`DROP DATABASE IF EXISTS ${quoteIdent(previous)} WITH (FORCE)`);
      const exists = await this.#exists(client, staging);
      if (exists) await this.#rename(client, staging, previous);
      await this.#rename(client, candidate.database, staging);
      return exists;
    });
    const promotion: Promotion = {
      staging: { id: staging, database: staging },
      ...(hadStaging ? { previous: { id: previous, database: previous } } : {}),
    };
    return { state: 'ready', value: promotion };
  }

  async rollback(promotion: Promotion): Promise<Progress<Promotion>> {
    const staging = promotion.staging.database;
    this.#guard.assertWritable(staging, 'roll back');
    await withClient(this.#adminConfig(), async (client) => {
      await client.query(`DROP DATABASE IF EXISTS ${quoteIdent(staging)} WITH (FORCE)`);
      if (promotion.previous) await this.#rename(client, promotion.previous.database, staging);
    });
    return { state: 'ready', value: promotion };
  }

  async discard(candidate: DatabaseRef): Promise<void> {
    this.#guard.assertWritable(candidate.database, 'drop');
    await withClient(this.#adminConfig(), (client) => client.query(`DROP DATABASE IF EXISTS ${quoteIdent(candidate.database)} WITH (FORCE)`));
  }

  async commit(promotion: Promotion): Promise<void> {
    if (!promotion.previous || this.options.keepPrevious) return;
    const previous = promotion.previous.database;
    this.#guard.assertWritable(previous, 'drop');
    await withClient(this.#adminConfig(), (client) => client.query(`DROP DATABASE IF EXISTS ${quoteIdent(previous)} WITH (FORCE)`));
  }

  async pruneSnapshots(keep: number): Promise<string[]> {
    return withClient(this.#adminConfig(), async (client) => {
      const { rows } = await client.query<{ datname: string }>(
        `SELECT d.datname FROM pg_database d
           JOIN pg_shdescription s ON s.objoid = d.oid AND s.classoid = 'pg_database'::regclass
          WHERE s.description = $1 ORDER BY d.datname DESC`,
        [`${SNAPSHOT_TAG}:${this.#production.database}`],
      );
      const removed = rows.slice(keep).map((row) => row.datname);
      for (const name of removed) {
        this.#guard.assertWritable(name, 'drop');
        await client.query(`DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`);
      }
      return removed;
    });
  }

  /** The maintenance database on the staging server, with staging's credentials. */
  #adminConfig(): pg.ClientConfig {
    return { connectionString: this.#staging.withDatabase('postgres') };
  }

  async #exists(client: pg.Client, name: string): Promise<boolean> {
    const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    return (found.rowCount ?? 0) > 0;
  }

  async #copyDatabase(client: pg.Client, source: string, target: string): Promise<void> {
    try {
      await client.query(`CREATE DATABASE ${quoteIdent(target)} TEMPLATE ${quoteIdent(source)} STRATEGY FILE_COPY`);
    } catch (cause) {
      const error = cause as { code?: string; message: string };
      const hint = error.code === '55006'
        ? ' (other sessions are connected to it; PostgreSQL copies a database only while nobody uses it, and rehearsal never ends production sessions)'
        : '';
      throw new EnvironmentError(`cannot copy database "${source}" to "${target}": ${error.message}${hint}`, { cause });
    }
  }

  /** Renames a database, first ending the sessions on it (PostgreSQL refuses to rename a database in use). */
  async #rename(client: pg.Client, from: string, to: string): Promise<void> {
    this.#guard.assertWritable(from, 'rename');
    this.#guard.assertWritable(to, 'rename to');
    // A client may reconnect between the two statements: end its session again and retry a few times.
    for (let attempt = 1; ; attempt += 1) {
      await client.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [from]);
      try {
        await client.query(`ALTER DATABASE ${quoteIdent(from)} RENAME TO ${quoteIdent(to)}`);
        return;
      } catch (cause) {
        if ((cause as { code?: string }).code !== '55006' || attempt >= 5) {
          throw new EnvironmentError(`cannot rename database "${from}" to "${to}": ${(cause as Error).message}`, { cause });
        }
      }
    }
  }
}
