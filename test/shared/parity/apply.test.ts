import { planApply } from '../../../shared/parity/apply';
import { compareConfigs } from '../../../shared/parity/compare';
import { fingerprinter } from '../../../shared/parity/fingerprint';

const map = (entries: Record<string, string>) => new Map(Object.entries(entries));

describe('planApply', () => {
  it('copies copy keys and sets overrides, and leaves secrets, stagingOnly and extra keys to a person', () => {
    // Prepare
    const production = map({ DB_HOST: 'db1', DB_PORT: '5432', OPENAI_API_KEY: 'sk-prod', MODE: 'prod' });
    const staging = map({ DB_PORT: '1', OPENAI_API_KEY: 'sk-prod', EXTRA: 'x' });
    const policy = { keys: { 'DB_*': 'copy', '*_API_KEY': 'mustDiffer', MODE: { override: 'rehearsal' }, BANNER: 'stagingOnly' } } as const;
    const { drift, rules } = compareConfigs(production, staging, policy, fingerprinter());

    // Act
    const plan = planApply(drift, rules, production);

    // Assert
    expect([...plan.changes]).toEqual([['DB_HOST', 'db1'], ['DB_PORT', '5432'], ['MODE', 'rehearsal']]);
    expect(plan.applied).toEqual([{ key: 'DB_HOST', action: 'copy' }, { key: 'DB_PORT', action: 'copy' }, { key: 'MODE', action: 'override' }]);
    expect(plan.blocked).toEqual([]);
  });

  it("never writes a production secret's value, even through a copy pattern that caught a secret", () => {
    const production = map({ DB_PASSWORD: 'hunter2', ADMIN_TOKEN: 'hunter2' });
    const policy = { keys: { 'DB_*': 'copy', '*_TOKEN': 'mustDiffer' } } as const;
    const { drift, rules } = compareConfigs(production, map({ ADMIN_TOKEN: 'own' }), policy, fingerprinter());

    const plan = planApply(drift, rules, production);

    expect(plan.changes.size).toBe(0);
    expect(plan.blocked).toEqual([{ key: 'DB_PASSWORD', reason: "the value equals one of production's secrets; set staging's own value by hand" }]);
  });
});
