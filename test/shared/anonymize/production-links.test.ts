import pg from 'pg';
import { anonymizeDatabase } from '../../../shared/anonymize/anonymize';
import { maskSchemaExists } from '../../../shared/anonymize/mask-schema';
import { withClient } from '../../../shared/db/client';
import { ConfigError } from '../../../shared/errors';
import { query } from '../../support/postgres';
import { verifyDatabase } from '../../../shared/verify/verify';
import { allText, demoDatabasesOfFile, demoRules, KEY, ORIGINALS } from './fixtures';

/**
 * What a copy of production brings along: a subscription to a publisher (created without connecting,
 * as a restored one sits until it reconnects) and a foreign server with production's credentials.
 */
const LINKS = `CREATE SUBSCRIPTION feed CONNECTION 'host=127.0.0.1 port=1 dbname=production' PUBLICATION orders WITH (connect = false);
  CREATE FOREIGN DATA WRAPPER remote_pg;
  CREATE SERVER reporting FOREIGN DATA WRAPPER remote_pg OPTIONS (host 'reporting.prod.internal');
  CREATE USER MAPPING FOR PUBLIC SERVER reporting OPTIONS (user 'app', password 'prod-secret');
  CREATE USER MAPPING FOR postgres SERVER reporting OPTIONS (user 'admin', password 'prod-admin-secret');
  CREATE FOREIGN TABLE remote_accounts (email text) SERVER reporting`;

const links = async (url: string) => ({
  subscriptions: await query(url, 'SELECT s.subname FROM pg_subscription s JOIN pg_database d ON d.oid = s.subdbid WHERE d.datname = current_database()'),
  mappings: await query(url, 'SELECT srvname, usename FROM pg_user_mappings ORDER BY usename'),
});

describe('ties to other systems a copy of production keeps', () => {
  const databases = demoDatabasesOfFile('links');

  it('cuts its subscriptions and user mappings before masking, and keeps the servers and foreign tables', async () => {
    const { url } = await databases.demo();
    await query(url, LINKS);

    const result = await anonymizeDatabase({ connection: { connectionString: url }, source: demoRules(), key: KEY });

    expect(result.progress.detached).toEqual(['subscription feed', 'user mapping for postgres on server reporting', 'user mapping for PUBLIC on server reporting']);
    expect(await links(url)).toEqual({ subscriptions: [], mappings: [] });
    expect(await query(url, `SELECT srvname FROM pg_foreign_server`)).toEqual([{ srvname: 'reporting' }]);
    expect(await query(url, `SELECT relname FROM pg_class WHERE relkind = 'f'`)).toEqual([{ relname: 'remote_accounts' }]);
    expect(JSON.stringify(result)).not.toContain('secret');
  });

  it('refuses, before changing anything, the ties the role may not remove, and names their owner', async () => {
    const db = await databases.demo();
    const masker = await databases.masker(db);
    await query(db.url, `${LINKS}; CREATE USER MAPPING FOR ${masker.role} SERVER reporting OPTIONS (user 'own')`);
    const before = { text: await allText(db.url), links: await links(db.url) };

    const error = await anonymizeDatabase({ connection: { connectionString: masker.url }, source: demoRules(), key: KEY }).catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as Error).message;
    for (const link of ['subscription feed', 'user mapping for PUBLIC on server reporting', 'user mapping for postgres on server reporting']) {
      expect(message).toContain(`${link}: this copy of production would keep it (production's connection and credentials to another system), and only its owner postgres can remove it`);
    }
    // Its own mapping a role may drop: not in the way.
    expect(message).not.toContain(`user mapping for ${masker.role}`);
    expect(message).not.toContain('secret');
    expect({ text: await allText(db.url), links: await links(db.url) }).toEqual(before);
    expect(await withClient({ connectionString: db.url }, maskSchemaExists)).toBe(false);
    // A database a subscription uses cannot be dropped: detach it as the tests' superuser.
    await query(db.url, 'ALTER SUBSCRIPTION feed DISABLE; ALTER SUBSCRIPTION feed SET (slot_name = NONE); DROP SUBSCRIPTION feed');
  });

  /**
   * What a copy of production's database brings along from its server: a slot a change-data-capture
   * consumer reads (created before the transaction below, since a slot waits for running ones), and
   * a transaction a coordinator prepared and had not committed yet, which inserts a user.
   */
  async function withSlotAndPreparedTransaction(url: string, names: { slot: string; gid: string }): Promise<void> {
    await query(url, `SELECT pg_create_logical_replication_slot('${names.slot}', 'test_decoding')`);
    await query(url, `BEGIN; INSERT INTO users VALUES (9, 'pending.person@gmail.com', 'Pending Person', '+44 7700 900999', 'en-GB', '2026-01-09');
      PREPARE TRANSACTION '${names.gid}'`);
  }
  const leftovers = async (url: string) => ({
    slots: await query(url, 'SELECT slot_name FROM pg_replication_slots WHERE database = current_database()'),
    prepared: await query(url, 'SELECT gid FROM pg_prepared_xacts WHERE database = current_database()'),
  });

  it('drops its replication slots and rolls back its prepared transactions, so neither can bring originals back', async () => {
    const { url, name } = await databases.demo();
    const names = { slot: `cdc_${name}`, gid: `xa-${name}` };
    await withSlotAndPreparedTransaction(url, names);

    const result = await anonymizeDatabase({ connection: { connectionString: url }, source: demoRules(), key: KEY });

    expect(result.progress.detached).toEqual([`replication slot ${names.slot}`, `prepared transaction '${names.gid}'`]);
    expect(await leftovers(url)).toEqual({ slots: [], prepared: [] });
    // Nothing left to commit: the pending user never arrives, and the copy is clean.
    await expect(query(url, `COMMIT PREPARED '${names.gid}'`)).rejects.toThrow(`prepared transaction with identifier "${names.gid}" does not exist`);
    expect(await query(url, 'SELECT id::int FROM users ORDER BY id')).toEqual([{ id: 1 }, { id: 2 }, { id: 3 }]);
    const verified = await verifyDatabase({ connection: { connectionString: url }, source: demoRules(), key: KEY });
    expect(verified.findings).toEqual([]);
    expect(await allText(url)).not.toContain(ORIGINALS.emails[0]);
  });

  it('refuses, before changing anything, a slot or prepared transaction the role may not remove, saying who may', async () => {
    const db = await databases.demo();
    const names = { slot: `cdc_${db.name}`, gid: `xa-${db.name}` };
    await withSlotAndPreparedTransaction(db.url, names);
    const masker = await databases.masker(db);
    try {
      const error = await anonymizeDatabase({ connection: { connectionString: masker.url }, source: demoRules(), key: KEY }).catch((caught: unknown) => caught);

      expect(error).toBeInstanceOf(ConfigError);
      const message = (error as Error).message;
      expect(message).toContain(`replication slot ${names.slot}: a consumer could read production's changes, and then the masking, from this copy through it, and only a role with the REPLICATION attribute (rds_replication on RDS) can drop it`);
      expect(message).toContain(`prepared transaction '${names.gid}': production's unfinished transaction: committed after masking it would write its rows back unmasked (and its locks hold masking up), and only postgres, who prepared it, or a superuser can roll it back; connect as postgres; nothing was changed`);
      expect(await leftovers(db.url)).toEqual({ slots: [{ slot_name: names.slot }], prepared: [{ gid: names.gid }] });
      expect(await withClient({ connectionString: db.url }, maskSchemaExists)).toBe(false);
    } finally {
      await query(db.url, `ROLLBACK PREPARED '${names.gid}'`).catch(() => undefined);
      await query(db.url, `SELECT pg_drop_replication_slot('${names.slot}')`).catch(() => undefined);
    }
  });

  it('fails verify while the copy holds a tie, naming it, and keeps the fingerprints', async () => {
    const { url, name } = await databases.demo();
    await anonymizeDatabase({ connection: { connectionString: url }, source: demoRules(), key: KEY });
    // Back after masking, as a restore of a later snapshot or a hand-made slot would bring them.
    await query(url, `SELECT pg_create_logical_replication_slot('late_${name}', 'test_decoding')`);
    await query(url, `CREATE SUBSCRIPTION late_feed CONNECTION 'host=127.0.0.1 port=1 dbname=production' PUBLICATION orders WITH (connect = false)`);
    try {
      const verified = await verifyDatabase({ connection: { connectionString: url }, source: demoRules(), key: KEY });

      expect(verified.findings).toEqual([
        { table: 'pg_subscription', column: '', key: 'subscription late_feed', kind: 'tie to production kept by the copy' },
        { table: 'pg_replication_slots', column: '', key: `replication slot late_${name}`, kind: 'tie to production kept by the copy' },
      ]);
      expect(verified.fingerprintsDropped).toBe(false);
    } finally {
      await query(url, `SELECT pg_drop_replication_slot('late_${name}')`);
      await query(url, 'ALTER SUBSCRIPTION late_feed DISABLE; ALTER SUBSCRIPTION late_feed SET (slot_name = NONE); DROP SUBSCRIPTION late_feed');
    }
  });

  it('refuses, before changing anything, while a consumer reads one of its slots, naming its server process', async () => {
    const { url, name } = await databases.demo();
    const slot = `live_${name}`;
    await query(url, `SELECT pg_create_logical_replication_slot('${slot}', 'test_decoding')`);
    // A change-data-capture consumer streaming from the slot, over the replication protocol.
    const consumer = new pg.Client({ connectionString: url, replication: 'database' } as pg.ClientConfig);
    await consumer.connect();
    consumer.on('error', () => undefined);
    const streaming = consumer.query(`START_REPLICATION SLOT ${slot} LOGICAL 0/0`).catch(() => undefined);
    try {
      const [active] = await waitForActiveSlot(url, slot);

      const error = await anonymizeDatabase({ connection: { connectionString: url }, source: demoRules(), key: KEY }).catch((caught: unknown) => caught);

      expect(error).toBeInstanceOf(ConfigError);
      expect((error as Error).message).toContain(`replication slot ${slot}: a consumer (server process ${active?.active_pid}) is reading production's changes, and then the masking, from this copy through it; stop that consumer, then run again; nothing was changed`);
      expect(await withClient({ connectionString: url }, maskSchemaExists)).toBe(false);
    } finally {
      (consumer as unknown as { connection: { stream: { destroy(): void } } }).connection.stream.destroy();
      await streaming;
      await waitForActiveSlot(url, slot, false);
      await query(url, `SELECT pg_drop_replication_slot('${slot}')`);
    }
  });
});

/** The slot's row once it is (or is no longer) in use: a streaming connection takes a moment to claim it, or to let it go. */
async function waitForActiveSlot(url: string, slot: string, active = true): Promise<{ active_pid: number | null }[]> {
  for (let attempt = 0; attempt < 100; attempt += 1) {
    const rows = await query<{ active_pid: number | null }>(url, 'SELECT active_pid FROM pg_replication_slots WHERE slot_name = $1', [slot]);
    if ((rows[0]?.active_pid !== null) === active) return rows;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`slot ${slot} did not become ${active ? 'active' : 'inactive'} within 5 s`);
}
