import { LocalDatabaseProvider } from '../../../shared/db/local-provider';
import { ConfigError, ProductionWriteBlockedError } from '../../../shared/errors';
import { createDatabase, databasesStartingWith, dropDatabases, query, serverUrl, uniqueName } from '../../support/postgres';

describe('LocalDatabaseProvider', () => {
  let prod: string;
  let staging: string;
  let provider: LocalDatabaseProvider;

  beforeEach(async () => {
    prod = uniqueName('prod');
    staging = uniqueName('stg');
    await query(await createDatabase(prod), "CREATE TABLE t (id int PRIMARY KEY, v text); INSERT INTO t VALUES (1, 'production row')");
    provider = new LocalDatabaseProvider({ productionUrl: serverUrl(prod), stagingUrl: serverUrl(staging), keepPrevious: false });
  });

  afterEach(async () => {
    await dropDatabases(...(await databasesStartingWith(prod)), ...(await databasesStartingWith(staging)));
  });

  it('copies production into a candidate through a snapshot, leaving production as it was', async () => {
    const snapshot = await provider.snapshot('run-1');
    const candidate = await provider.restore(snapshot.value, 'run-1');

    expect(candidate.value.database).toBe(`${staging}_candidate`);
    expect(await query(serverUrl(candidate.value.database), 'SELECT v FROM t')).toEqual([{ v: 'production row' }]);
    expect(await databasesStartingWith(`${prod}_snap_`)).toEqual([snapshot.value.id]);
    expect(await query(serverUrl(prod), 'SELECT count(*)::int AS n FROM t')).toEqual([{ n: 1 }]);
  });

  it('swaps the candidate in and keeps the old staging until commit drops it', async () => {
    await query(await createDatabase(staging), "CREATE TABLE marker (v text); INSERT INTO marker VALUES ('old staging')");
    const candidate = (await provider.restore((await provider.snapshot('r')).value, 'r')).value;

    const promotion = (await provider.promote(candidate)).value;

    expect(promotion.previous?.database).toBe(`${staging}_previous`);
    expect(await query(serverUrl(staging), 'SELECT v FROM t')).toEqual([{ v: 'production row' }]);
    expect(await query(serverUrl(`${staging}_previous`), 'SELECT v FROM marker')).toEqual([{ v: 'old staging' }]);
    await provider.commit(promotion);
    expect(await databasesStartingWith(staging)).toEqual([staging]);
  });

  it('rolls a promotion back so staging is the database it was before', async () => {
    await query(await createDatabase(staging), "CREATE TABLE marker (v text); INSERT INTO marker VALUES ('old staging')");
    const candidate = (await provider.restore((await provider.snapshot('r')).value, 'r')).value;
    const promotion = (await provider.promote(candidate)).value;

    await provider.rollback(promotion);

    expect(await query(serverUrl(staging), 'SELECT v FROM marker')).toEqual([{ v: 'old staging' }]);
    expect(await databasesStartingWith(staging)).toEqual([staging]);
  });

  it('keeps only the newest snapshots when pruning', async () => {
    const times = ['2026-01-01T00:00:00Z', '2026-01-02T00:00:00Z', '2026-01-03T00:00:00Z'];
    for (const time of times) {
      await new LocalDatabaseProvider({ productionUrl: serverUrl(prod), stagingUrl: serverUrl(staging), keepPrevious: false, now: () => new Date(time) }).snapshot('r');
    }

    const removed = await provider.pruneSnapshots(2);

    expect(removed).toEqual([`${prod}_snap_20260101000000000`]);
    expect(await databasesStartingWith(`${prod}_snap_`)).toHaveLength(2);
  });

  it('refuses to hand out a connection for changes to production', async () => {
    await expect(provider.connection({ id: prod, database: prod })).rejects.toThrow(ProductionWriteBlockedError);
  });

  it('refuses staging on another server before changing anything', async () => {
    const elsewhere = new LocalDatabaseProvider({ productionUrl: serverUrl(prod), stagingUrl: 'postgres://u:p@10.0.0.9:5432/stg', keepPrevious: false });

    await expect(elsewhere.preflight()).rejects.toThrow(ConfigError);
    await expect(elsewhere.preflight()).rejects.toThrow(/Cross-server copies are not supported yet/);
  });
});
