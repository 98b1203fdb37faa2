import { anonymizeDatabase } from '../../../shared/anonymize/anonymize';
import { maskSchemaExists } from '../../../shared/anonymize/mask-schema';
import { withClient } from '../../../shared/db/client';
import { ConfigError } from '../../../shared/errors';
import { query } from '../../support/postgres';
import { allText, demoDatabasesOfFile, demoRules, KEY } from './fixtures';

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
});
