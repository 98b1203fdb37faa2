import { z } from 'zod';
import { ConfigError } from '../errors';
import { auroraProduction, auroraStaging, rdsInstanceProduction, rdsInstanceStaging } from '../aws/database-schema';

/**
 * The `databases` section: where production is read from and where staging lives. Each entry is a
 * discriminated union on `provider`: `local` (the default, reached by URL), `rds-instance` or
 * `aurora-cluster`. Production and staging always use the same provider.
 */

const postgresUrl = z
  .string()
  .regex(/^postgres(ql)?:\/\//, 'expected a PostgreSQL URL such as postgres://user:password@host:5432/dbname');

/** A database reached directly by URL: the local provider (the demo, or a self-managed server). */
const localDatabase = z
  .object({
    provider: z.literal('local'),
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

/** `provider` may be left out: the local form predates the AWS providers and stays valid. */
function withLocalDefault<T extends z.ZodType>(schema: T) {
  return z.preprocess(
    (value) => (value !== null && typeof value === 'object' && !('provider' in value) ? { provider: 'local', ...value } : value),
    schema,
  );
}

const productionDatabase = withLocalDefault(
  z.discriminatedUnion('provider', [localDatabase, rdsInstanceProduction, auroraProduction]),
);
/**
 * `roles` is accepted in the local form only to be refused with a reason (in {@link databasesSchema}):
 * PostgreSQL roles belong to the whole server, not to one database.
 */
const localRoles = { roles: z.array(z.unknown()).optional().describe('Not allowed with provider local: PostgreSQL roles are server-wide, so the candidate shares them with production.') };

const stagingDatabase = withLocalDefault(
  z.discriminatedUnion('provider', [
    localDatabase.extend(stagingOptions).extend(localRoles),
    rdsInstanceStaging.extend(stagingOptions),
    auroraStaging.extend(stagingOptions),
  ]),
);

export const databasesSchema = z
  .object({
    production: productionDatabase,
    staging: stagingDatabase,
  })
  .strict()
  .superRefine((databases, ctx) => {
    const { production, staging } = databases;
    if (production.provider !== staging.provider) {
      ctx.addIssue({
        code: 'custom',
        path: ['staging', 'provider'],
        message: `staging uses provider "${staging.provider}" but production uses "${production.provider}"; both must use the same provider`,
      });
      return;
    }
    if (staging.provider === 'local' && staging.roles !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['staging', 'roles'],
        message: 'application roles cannot be given new passwords with provider "local": PostgreSQL roles belong to the whole server, so the local candidate shares them with production and a new password would lock production\'s applications out. Remove `roles`, or use provider rds-instance or aurora-cluster, where the candidate is a server of its own',
      });
    }
    const same = sameDatabase(production, staging);
    if (same) ctx.addIssue({ code: 'custom', path: ['staging', same], message: 'staging names the same database as production; rehearsal never writes to production' });
  });
export type DatabasesConfig = z.infer<typeof databasesSchema>;
export type ProductionDatabaseConfig = DatabasesConfig['production'];
export type StagingDatabaseConfig = DatabasesConfig['staging'];

/** The databases of a local run; throws {@link ConfigError} when the config names an AWS provider. */
export function requireLocalDatabases(databases: DatabasesConfig): {
  production: Extract<ProductionDatabaseConfig, { provider: 'local' }>;
  staging: Extract<StagingDatabaseConfig, { provider: 'local' }>;
} {
  const { production, staging } = databases;
  if (production.provider !== 'local' || staging.provider !== 'local') {
    throw new ConfigError([{ path: 'databases.production.provider', message: `provider "${production.provider}" runs in AWS (npx cdk deploy); a local run needs provider "local" with a url` }]);
  }
  return { production, staging };
}

/** The staging key that names production's database, or undefined when they differ. */
function sameDatabase(production: ProductionDatabaseConfig, staging: StagingDatabaseConfig): string | undefined {
  if (production.provider === 'local' && staging.provider === 'local') return sameUrl(production.url, staging.url) ? 'url' : undefined;
  if (production.provider === 'rds-instance' && staging.provider === 'rds-instance') {
    return production.instanceIdentifier.toLowerCase() === staging.instanceIdentifier.toLowerCase() ? 'instanceIdentifier' : undefined;
  }
  if (production.provider === 'aurora-cluster' && staging.provider === 'aurora-cluster') {
    return production.clusterIdentifier.toLowerCase() === staging.clusterIdentifier.toLowerCase() ? 'clusterIdentifier' : undefined;
  }
  return undefined;
}

function sameUrl(a: string, b: string): boolean {
  try {
    const [x, y] = [new URL(a), new URL(b)];
    const port = (url: URL): string => url.port || '5432';
    return x.hostname === y.hostname && port(x) === port(y) && x.pathname === y.pathname;
  } catch {
    return false;
  }
}
