import { compareConfigs } from '../../../shared/parity/compare';
import { fingerprinter } from '../../../shared/parity/fingerprint';

const fingerprint = fingerprinter(Buffer.from('test key'));
const map = (entries: Record<string, string>) => new Map(Object.entries(entries));

describe('compareConfigs', () => {
  const policy = { keys: { 'DB_*': 'copy', '*_API_KEY': 'mustDiffer', 'STAGING_*': 'stagingOnly', 'LOG_*': 'ignore', ENVIRONMENT: { override: 'staging' } } } as const;

  it('classifies every kind of drift and shows values only for copy and override keys', () => {
    // Prepare
    const production = map({
      DB_HOST: 'db.internal', DB_PORT: '5432', DB_NAME: 'bot', OPENAI_API_KEY: 'sk-prod-secret', PAYMENTS_API_KEY: 'pk-prod', LOG_LEVEL: 'info', ENVIRONMENT: 'production', FEATURE_X: 'on',
    });
    const staging = map({
      DB_HOST: 'db.internal', DB_PORT: '6432', OPENAI_API_KEY: 'sk-prod-secret', LOG_LEVEL: 'debug', ENVIRONMENT: 'production', DEBUG_TOOLBAR: 'yes',
    });

    // Act
    const { drift, warnings } = compareConfigs(production, staging, policy, fingerprint);

    // Assert
    expect(drift).toEqual([
      { key: 'DB_NAME', kind: 'missing', action: 'copy', pattern: 'DB_*', production: 'bot' },
      { key: 'DB_PORT', kind: 'differs', action: 'copy', pattern: 'DB_*', production: '5432', staging: '6432' },
      { key: 'DEBUG_TOOLBAR', kind: 'extra', action: 'unclassified', staging: fingerprint('yes') },
      { key: 'ENVIRONMENT', kind: 'differs', action: 'override', pattern: 'ENVIRONMENT', expected: 'staging', staging: 'production' },
      { key: 'FEATURE_X', kind: 'missing', action: 'unclassified', production: fingerprint('on') },
      { key: 'OPENAI_API_KEY', kind: 'leakedSecret', action: 'mustDiffer', pattern: '*_API_KEY', production: fingerprint('sk-prod-secret'), staging: fingerprint('sk-prod-secret') },
      { key: 'PAYMENTS_API_KEY', kind: 'missing', action: 'mustDiffer', pattern: '*_API_KEY', production: fingerprint('pk-prod') },
    ]);
    expect(JSON.stringify(drift)).not.toMatch(/sk-prod-secret|pk-prod/);
    expect(warnings).toEqual(['policy pattern "STAGING_*" matches no key in production or staging']);
  });

  it('passes secrets with their own staging value, stagingOnly keys present in staging and ignored keys', () => {
    const { drift } = compareConfigs(
      map({ OPENAI_API_KEY: 'prod', LOG_LEVEL: 'info' }),
      map({ OPENAI_API_KEY: 'stage', STAGING_BANNER: 'hi', LOG_LEVEL: 'debug', ENVIRONMENT: 'staging' }),
      policy,
      fingerprint,
    );

    expect(drift).toEqual([]);
  });

  it('reports a stagingOnly key missing from staging', () => {
    const { drift } = compareConfigs(map({}), map({}), { keys: { STAGING_BANNER: 'stagingOnly' } }, fingerprint);
    // A key nobody has is not a key at all: stagingOnly can only be missing when named somewhere.
    expect(drift).toEqual([]);
    const named = compareConfigs(map({ STAGING_BANNER: 'x' }), map({}), { keys: { STAGING_BANNER: 'stagingOnly' } }, fingerprint);
    expect(named.drift).toEqual([{ key: 'STAGING_BANNER', kind: 'missing', action: 'stagingOnly', pattern: 'STAGING_BANNER' }]);
  });
});

describe('fingerprinter', () => {
  it('gives equal values equal fingerprints, different keys different ones, and never the value', () => {
    const other = fingerprinter(Buffer.from('another key'));

    expect(fingerprint('sk-123')).toBe(fingerprint('sk-123'));
    expect(fingerprint('sk-123')).not.toBe(fingerprint('sk-124'));
    expect(other('sk-123')).not.toBe(fingerprint('sk-123'));
    expect(fingerprint('sk-123')).toMatch(/^fp:[0-9a-f]{12}$/);
  });
});
