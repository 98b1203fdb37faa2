import { anonymizeDatabase } from '../../../shared/anonymize/anonymize';
import { VerifyConnectionLostError } from '../../../shared/anonymize/errors';
import { verifyDatabase } from '../../../shared/verify/verify';
import { dropDatabases, query } from '../../support/postgres';
import { holdLock } from '../../support/lost-connection';
import { createDemoDatabase, demoRules, DEMO_RULES, KEY } from '../anonymize/fixtures';

describe('verify when its connection is lost', () => {
  const created: string[] = [];
  afterAll(() => dropDatabases(...created));

  it('names the loss (exit code 3), changes nothing, and passes when run again', async () => {
    // Prepare: a masked copy; verify's first look at users (its size, for the scan's page ranges) waits on a lock another session holds.
    const { name, url } = await createDemoDatabase('verify_lost');
    created.push(name);
    await anonymizeDatabase({ connection: { connectionString: url }, source: demoRules(DEMO_RULES), key: KEY });
    const fingerprints = async () => (await query<{ n: number }>(url, 'SELECT count(*)::int AS n FROM rehearsal_mask.fingerprints'))[0]?.n;
    const before = await fingerprints();
    const lock = await holdLock(url, 'LOCK TABLE users IN ACCESS EXCLUSIVE MODE');

    // Act: cut verify's backend while it waits, then verify again.
    let error: unknown;
    try {
      const cut = lock.terminateWhenWaiting(/./);
      error = await verifyDatabase({ connection: { connectionString: url }, source: demoRules(DEMO_RULES), key: KEY }).catch((caught: unknown) => caught);
      await cut;
    } finally {
      await lock.release();
    }
    const after = await fingerprints();
    const again = await verifyDatabase({ connection: { connectionString: url }, source: demoRules(DEMO_RULES), key: KEY });

    // Assess
    expect(error).toBeInstanceOf(VerifyConnectionLostError);
    expect(error).toMatchObject({ exitCode: 3 });
    expect((error as Error).message).toBe('lost the connection to the database while verifying (terminating connection due to administrator command, SQLSTATE 57P01): '
      + 'verify changes nothing until it passes, and a pass is one transaction, so the copy and its fingerprints are as they were. '
      + 'Running verify again on this copy with the same rules and key searches it again (or says it passed, when the connection was lost just as the pass committed)');
    expect(after).toBe(before);
    expect(again.findings).toEqual([]);
  });
});
