import { assertNotProduction, type ResolveHost } from '../../../shared/anonymize/production-check';
import { configSchema } from '../../../shared/config/schema';
import { ProductionWriteBlockedError } from '../../../shared/errors';
import { makeConfigInput } from '../../support/config-factory';

/** A config whose production is `url`. */
const configWithProduction = (url: string) =>
  configSchema.parse(makeConfigInput({ databases: { production: { url }, staging: { url: 'postgres://app@staging.internal:5432/bot' } } }));

/** A resolver that knows a few internal names, and fails for any other (as an unreachable DNS does). */
const resolve: ResolveHost = async (host) => {
  const known: Record<string, string[]> = {
    'db-prod.internal': ['10.0.0.5'],
    'bot-db.internal': ['10.0.0.5'],
    'staging.internal': ['10.0.0.6'],
    localhost: ['127.0.0.1', '::1'],
  };
  const found = known[host];
  if (!found) throw new Error(`getaddrinfo ENOTFOUND ${host}`);
  return found;
};

describe('assertNotProduction', () => {
  it.each([
    ['a DNS alias of its host', 'postgres://app:pw@db-prod.internal:5432/bot', 'postgres://app:pw@bot-db.internal:5432/bot'],
    ['its address', 'postgres://app:pw@db-prod.internal:5432/bot', 'postgres://app:pw@10.0.0.5:5432/bot'],
    ['localhost for 127.0.0.1', 'postgres://app:pw@127.0.0.1:5432/bot', 'postgres://app:pw@localhost:5432/bot'],
    ['::1 for localhost', 'postgres://app:pw@localhost:5432/bot', 'postgres://app:pw@[::1]:5432/bot'],
    ['another case of its name', 'postgres://app:pw@DB-PROD.internal:5432/bot', 'postgres://app:pw@db-prod.internal:5432/bot'],
  ])('refuses production named by %s', async (_, production, target) => {
    const attempt = assertNotProduction(target, configWithProduction(production), resolve);

    await expect(attempt).rejects.toThrow(ProductionWriteBlockedError);
    await expect(attempt).rejects.toThrow(/the config names it as production/);
  });

  it.each([
    ['another host', 'postgres://app:pw@db-prod.internal:5432/bot', 'postgres://app:pw@staging.internal:5432/bot'],
    ['another database on its server', 'postgres://app:pw@db-prod.internal:5432/bot', 'postgres://app:pw@db-prod.internal:5432/bot_copy'],
    ['another port', 'postgres://app:pw@127.0.0.1:5432/bot', 'postgres://app:pw@localhost:5433/bot'],
    ['a host that does not resolve, by another name', 'postgres://app:pw@db-prod.vpc:5432/bot', 'postgres://app:pw@copy.vpc:5432/bot'],
  ])('lets %s through (its copy mark is checked apart)', async (_, production, target) => {
    await expect(assertNotProduction(target, configWithProduction(production), resolve)).resolves.toBeUndefined();
  });
});
