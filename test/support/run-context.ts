import { parseYamlDocument } from '../../shared/config/load';
import { configSchema } from '../../shared/config/schema';
import type { DatabaseProvider } from '../../shared/db/provider';
import { MetricsRecorder } from '../../shared/metrics/recorder';
import type { RunContext } from '../../shared/pipeline/context';
import { silentLog } from '../../shared/pipeline/log';
import { stringify } from 'yaml';
import { makeConfigInput } from './config-factory';

/** A run context over the given database provider, with a valid minimal config and a fixed key. */
export function makeRunContext(database: DatabaseProvider, overrides: Partial<Omit<RunContext, 'results'>> = {}): Omit<RunContext, 'results'> {
  const config = parseYamlDocument(stringify(makeConfigInput()), configSchema);
  return {
    runId: 'run-1',
    config,
    baseDir: '/tmp',
    outDir: '/tmp/rehearsal-test-report',
    providers: { database },
    maskingKey: Buffer.from('0123456789abcdef0123456789abcdef'),
    state: {},
    metrics: new MetricsRecorder({ Environment: 'staging', Bot: 'support-bot' }),
    log: silentLog,
    ...overrides,
  };
}
