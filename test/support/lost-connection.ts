import pg from 'pg';

/** A lock held by a second session, and what to do to the session that waits on it. */
export interface HeldLock {
  /**
   * Resolves once a backend of the database waits on a lock while running a statement that matches
   * `waiting`, with its process id and that statement. Rejects after `timeoutMs` without one.
   */
  waitFor(waiting: RegExp, timeoutMs?: number): Promise<{ pid: number; query: string }>;
  /**
   * As {@link waitFor}, then terminates that backend (`pg_terminate_backend`, as an administrator or a
   * failover would) and releases the lock; resolves to the statement it cut short.
   */
  terminateWhenWaiting(waiting: RegExp, timeoutMs?: number): Promise<string>;
  /** Ends the holding session (and its lock), whatever happened. */
  release(): Promise<void>;
}

/**
 * Takes a lock in an open transaction of a second session on `url` (`lockSql`: `LOCK TABLE users IN
 * SHARE UPDATE EXCLUSIVE MODE`, `SELECT … FOR UPDATE`), so a run that needs a conflicting lock waits
 * there: the moment a test cuts its connection at is then the run's, not the scheduler's.
 */
export async function holdLock(url: string, lockSql: string): Promise<HeldLock> {
  const holder = new pg.Client(url);
  await holder.connect();
  holder.on('error', () => undefined);
  await holder.query('BEGIN');
  await holder.query(lockSql);
  let ended = false;
  const release = async (): Promise<void> => {
    if (ended) return;
    ended = true;
    await holder.query('ROLLBACK').catch(() => undefined);
    await holder.end().catch(() => undefined);
  };
  const waitFor = async (waiting: RegExp, timeoutMs = 30_000): Promise<{ pid: number; query: string }> => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      // pg_stat_activity is read once per transaction, and the holder's stays open: the snapshot is cleared first.
      await holder.query('SELECT pg_stat_clear_snapshot()');
      const { rows } = await holder.query<{ pid: number; query: string }>(
        `SELECT pid, query FROM pg_stat_activity
          WHERE datname = current_database() AND pid <> pg_backend_pid() AND wait_event_type = 'Lock'`);
      const found = rows.find((row) => waiting.test(row.query));
      if (found) return found;
      if (Date.now() > deadline) throw new Error(`no backend waited on the lock running a statement matching ${waiting} within ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  };
  return {
    release,
    waitFor,
    async terminateWhenWaiting(waiting, timeoutMs) {
      try {
        const found = await waitFor(waiting, timeoutMs);
        await holder.query('SELECT pg_terminate_backend($1)', [found.pid]);
        return found.query;
      } finally {
        await release();
      }
    },
  };
}
