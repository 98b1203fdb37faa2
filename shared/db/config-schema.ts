import { z } from 'zod';

/** The `databases` section: where production is read from and where staging lives. */

const postgresUrl = z
  .string()
  .regex(/^postgres(ql)?:\/\//, 'expected a PostgreSQL URL such as postgres://user:password@host:5432/dbname');

/** A database reached directly by URL: the local provider (the demo, or a self-managed server). */
const localDatabase = z
  .object({
    provider: z.literal('local').default('local'),
    /** Connection URL. `${env:NAME}` is replaced by that environment variable when the file is read. */
    url: postgresUrl,
  })
  .strict();

const stagingOptions = {
  /** Keep the replaced staging database as `<name>_previous` after the checks pass. */
  keepPrevious: z.boolean().default(false),
  /** How many snapshots rehearsal created to keep; older ones are removed. */
  keepSnapshots: z.number().int().min(1).max(50).default(2),
};

export const databasesSchema = z
  .object({
    production: localDatabase,
    staging: localDatabase.extend(stagingOptions),
  })
  .strict()
  .superRefine((databases, ctx) => {
    if (sameDatabase(databases.production.url, databases.staging.url)) {
      ctx.addIssue({
        code: 'custom',
        path: ['staging', 'url'],
        message: 'staging names the same database as production; rehearsal never writes to production',
      });
    }
  });
export type DatabasesConfig = z.infer<typeof databasesSchema>;

function sameDatabase(a: string, b: string): boolean {
  try {
    const [x, y] = [new URL(a), new URL(b)];
    const port = (url: URL): string => url.port || '5432';
    return x.hostname === y.hostname && port(x) === port(y) && x.pathname === y.pathname;
  } catch {
    return false;
  }
}
