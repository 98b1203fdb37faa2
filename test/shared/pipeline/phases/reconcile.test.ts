import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { stringify } from 'yaml';
import { parseYamlDocument } from '../../../../shared/config/load';
import { configSchema } from '../../../../shared/config/schema';
import type { DatabaseProvider } from '../../../../shared/db/provider';
import { runReconcile } from '../../../../shared/pipeline/phases/reconcile';
import type { RunContext } from '../../../../shared/pipeline/context';
import { makeConfigInput } from '../../../support/config-factory';
import { makeRunContext } from '../../../support/run-context';

const noDatabase = {} as DatabaseProvider;

async function contextWith(parity: unknown, files: Record<string, string>): Promise<RunContext> {
  const baseDir = await mkdtemp(path.join(tmpdir(), 'reconcile-'));
  for (const [name, text] of Object.entries(files)) await writeFile(path.join(baseDir, name), text);
  const config = parseYamlDocument(stringify(makeConfigInput({ parity } as never)), configSchema);
  return { ...makeRunContext(noDatabase, { config, baseDir }), results: [] };
}

describe('runReconcile', () => {
  it('fails on drift with figures, drift details without secret values, and metrics', async () => {
    // Prepare
    const ctx = await contextWith(
      { production: { envFile: 'production.env' }, staging: { jsonFile: 'staging.json' }, policy: { keys: { 'DB_*': 'copy', '*_API_KEY': 'mustDiffer', 'UNUSED_*': 'ignore' } } },
      { 'production.env': 'DB_HOST=db\nDB_NAME=bot\nOPENAI_API_KEY=sk-live-123\n', 'staging.json': JSON.stringify({ DB_HOST: 'db', OPENAI_API_KEY: 'sk-live-123', STRAY: 'x' }) },
    );

    // Act
    const result = await runReconcile(ctx);

    // Assert
    expect(result.status).toBe('failed');
    if (result.status === 'pending') throw new Error('unexpected pending');
    expect(result.summary).toBe("config drift: 1 secret(s) equal to production's, 1 missing, 1 extra");
    expect(result.figures).toEqual({ keys: 4, missing: 1, differs: 0, leakedSecret: 1, extra: 1, probesFailed: 0, warnings: 1 });
    const details = result.details as { drift: { key: string; kind: string }[]; warnings: string[] };
    expect(details.drift.map(({ key, kind }) => `${key}:${kind}`)).toEqual(['DB_NAME:missing', 'OPENAI_API_KEY:leakedSecret', 'STRAY:extra']);
    expect(details.warnings).toEqual(['policy pattern "UNUSED_*" matches no key in production or staging']);
    expect(JSON.stringify(result)).not.toContain('sk-live-123');
    expect(ctx.metrics.all().map((datum) => [datum.name, datum.values[0]])).toEqual([['DriftKeys', 2], ['LeakedSecrets', 1], ['ProbeFailures', 0]]);
  });

  it('passes when staging is in policy', async () => {
    const files = { 'p.env': 'DB_HOST=db\nAPI_KEY=prod\n', 's.env': 'DB_HOST=db\nAPI_KEY=stage\n' };
    const parity = { production: { envFile: 'p.env' }, staging: { envFile: 's.env' }, policy: { keys: { 'DB_*': 'copy', API_KEY: 'mustDiffer' } } };

    const result = await runReconcile(await contextWith(parity, files));

    expect(result.status).toBe('passed');
    expect(result.summary).toBe('2 keys in policy, no leaked secret');
  });

  it('keys fingerprints with the masking key: stable across runs, different under another key', async () => {
    const files = { 'p.env': 'API_KEY=same\n', 's.env': 'API_KEY=same\n' };
    const parity = { production: { envFile: 'p.env' }, staging: { envFile: 's.env' }, policy: { keys: { API_KEY: 'mustDiffer' } } };
    const fingerprintOf = async (ctx: RunContext) => {
      const result = await runReconcile(ctx);
      return result.status === 'pending' ? undefined : (result.details as { drift: { production?: string }[] }).drift[0]?.production;
    };

    const first = await fingerprintOf(await contextWith(parity, files));
    const second = await fingerprintOf(await contextWith(parity, files));
    const otherKey = await fingerprintOf({ ...(await contextWith(parity, files)), maskingKey: Buffer.from('another masking key, 32 bytes..') });

    expect(first).toMatch(/^fp:[0-9a-f]{12}$/);
    expect(second).toBe(first);
    expect(otherKey).not.toBe(first);
  });

  it('never keys fingerprints with an empty masking key (a Lambda without the key gets one)', async () => {
    const files = { 'p.env': 'API_KEY=same\n', 's.env': 'API_KEY=same\n' };
    const parity = { production: { envFile: 'p.env' }, staging: { envFile: 's.env' }, policy: { keys: { API_KEY: 'mustDiffer' } } };
    const fingerprintOf = async () => {
      const result = await runReconcile({ ...(await contextWith(parity, files)), maskingKey: Buffer.alloc(0) });
      return result.status === 'pending' ? undefined : (result.details as { drift: { production?: string }[] }).drift[0]?.production;
    };

    const [first, second] = [await fingerprintOf(), await fingerprintOf()];

    expect(first).toMatch(/^fp:[0-9a-f]{12}$/);
    expect(second).not.toBe(first);
  });

  it('is skipped when the config has no parity section', async () => {
    const ctx = { ...makeRunContext(noDatabase), results: [] };

    expect(await runReconcile(ctx)).toEqual({ status: 'skipped', summary: 'no parity section in the config' });
  });
});
