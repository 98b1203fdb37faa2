import { ConfigError, EnvironmentError } from '../../../shared/errors';
import type { DatabaseProvider } from '../../../shared/db/provider';
import { outcome } from '../../../shared/pipeline/outcome';
import { NO_RETRY, retryOn, type PhaseDefinition } from '../../../shared/pipeline/phase';
import type { PhaseName } from '../../../shared/pipeline/report';
import { runPipeline } from '../../../shared/pipeline/runner';
import { makeRunContext } from '../../support/run-context';

/** The runner never touches the provider itself: phases do. */
const unusedProvider = {} as DatabaseProvider;

function phase(name: PhaseName, run: PhaseDefinition['run'], extra: Partial<PhaseDefinition> = {}): PhaseDefinition {
  return { name, description: name, retry: NO_RETRY, onFailure: 'stop', timeoutMs: 60_000, run, ...extra };
}

describe('runPipeline', () => {
  const noSleep = async (): Promise<void> => undefined;

  it('runs every phase in order and commits staging when all pass', async () => {
    const calls: string[] = [];
    const table = [
      phase('snapshot', async () => (calls.push('snapshot'), outcome.passed('ok', { n: 1 }))),
      phase('promote', async () => (calls.push('promote'), outcome.passed('ok')), { commit: async () => (calls.push('commit'), 'kept') }),
      phase('publish', async () => (calls.push('publish'), outcome.passed('ok')), { final: true }),
    ];

    const report = await runPipeline(table, makeRunContext(unusedProvider), { sleep: noSleep });

    expect(calls).toEqual(['snapshot', 'promote', 'commit', 'publish']);
    expect(report.status).toBe('passed');
    expect(report.exitCode).toBe(0);
    expect(report.phases.map((p) => [p.name, p.status])).toEqual([['snapshot', 'passed'], ['promote', 'passed'], ['publish', 'passed']]);
    expect(report.phases[0]?.figures).toEqual({ n: 1 });
    expect(report.settlement).toEqual({ action: 'committed', detail: 'kept' });
  });

  it('stops after a failed stop-phase, undoes what ran in reverse, and still runs the final phase', async () => {
    const calls: string[] = [];
    const table = [
      phase('restore', async () => outcome.passed('ok'), { undo: async () => (calls.push('undo restore'), 'candidate removed') }),
      phase('anonymize', async () => outcome.passed('ok'), { undo: async () => (calls.push('undo anonymize'), undefined) }),
      phase('verify', async () => outcome.failed('PII found')),
      phase('promote', async () => (calls.push('promote'), outcome.passed('ok'))),
      phase('publish', async () => (calls.push('publish'), outcome.passed('ok')), { final: true }),
    ];

    const report = await runPipeline(table, makeRunContext(unusedProvider), { sleep: noSleep });

    expect(calls).toEqual(['undo anonymize', 'undo restore', 'publish']);
    expect(report.phases.map((p) => p.status)).toEqual(['passed', 'passed', 'failed', 'not-run', 'passed']);
    expect(report.exitCode).toBe(1);
    expect(report.settlement).toEqual({ action: 'discarded-candidate', detail: 'candidate removed' });
  });

  it('keeps running checks after a continue-phase fails, then rolls back', async () => {
    const calls: string[] = [];
    const ctx = makeRunContext(unusedProvider);
    const table = [
      phase('promote', async () => outcome.passed('ok'), { undo: async () => { calls.push('rollback'); ctx.state.rolledBack = true; return 'rolled back'; } }),
      phase('converse', async () => outcome.failed('1 conversation failed'), { onFailure: 'continue' }),
      phase('load', async () => (calls.push('load'), outcome.passed('ok')), { onFailure: 'continue' }),
      phase('publish', async () => (calls.push('publish'), outcome.passed('ok')), { final: true }),
    ];

    const report = await runPipeline(table, ctx, { sleep: noSleep });

    expect(calls).toEqual(['load', 'rollback', 'publish']);
    expect(report.settlement.action).toBe('rolled-back');
  });

  it('retries the errors its policy names, with backoff, and counts the attempts', async () => {
    const waits: number[] = [];
    let calls = 0;
    const table = [phase('snapshot', async () => {
      calls += 1;
      if (calls < 3) throw new EnvironmentError('throttled');
      return outcome.passed('ok');
    }, { retry: retryOn(['EnvironmentError'], 3, 100) })];

    const report = await runPipeline(table, makeRunContext(unusedProvider), { sleep: async (ms) => void waits.push(ms) });

    expect(report.phases[0]).toMatchObject({ status: 'passed', attempts: 3 });
    expect(waits).toEqual([100, 200]);
  });

  it('does not retry an error its policy does not name, and maps it to its exit code', async () => {
    let calls = 0;
    const table = [phase('anonymize', async () => {
      calls += 1;
      throw new ConfigError([{ path: 'anonymize.tables.public.users', message: 'no such table' }]);
    }, { retry: retryOn(['EnvironmentError']) })];

    const report = await runPipeline(table, makeRunContext(unusedProvider), { sleep: noSleep });

    expect(calls).toBe(1);
    expect(report.exitCode).toBe(2);
    expect(report.phases[0]?.error).toEqual({ name: 'ConfigError', message: 'anonymize.tables.public.users: no such table', exitCode: 2 });
  });

  it('waits and calls a pending phase again until it is done', async () => {
    const waits: number[] = [];
    let calls = 0;
    const table = [phase('restore', async () => (++calls < 3 ? outcome.pending('restoring', 30_000) : outcome.passed('restored')))];

    const report = await runPipeline(table, makeRunContext(unusedProvider), { sleep: async (ms) => void waits.push(ms) });

    expect(waits).toEqual([30_000, 30_000]);
    expect(report.phases[0]).toMatchObject({ status: 'passed', summary: 'restored' });
  });

  it('fails a pending phase when waiting again would pass its timeout', async () => {
    let clock = 0;
    const table = [phase('restore', async () => outcome.pending('restoring', 40_000), { timeoutMs: 100_000 })];

    const report = await runPipeline(table, makeRunContext(unusedProvider), { now: () => clock, sleep: async (ms) => void (clock += ms) });

    expect(report.phases[0]).toMatchObject({ status: 'failed', summary: 'timed out after 100000 ms: restoring' });
  });

  it('reports an environment error over a failed check', async () => {
    const table = [
      phase('reconcile', async () => outcome.failed('drift'), { onFailure: 'continue' }),
      phase('converse', async () => { throw new EnvironmentError('bot unreachable'); }, { onFailure: 'continue' }),
    ];

    const report = await runPipeline(table, makeRunContext(unusedProvider), { sleep: noSleep });

    expect(report.exitCode).toBe(3);
  });

  it('retries a rollback that hits a transient error, so staging does not stay on a failed candidate', async () => {
    const waits: number[] = [];
    let undoCalls = 0;
    const ctx = makeRunContext(unusedProvider);
    const table = [
      phase('promote', async () => outcome.passed('ok'), {
        undo: async () => {
          undoCalls += 1;
          if (undoCalls < 3) throw new EnvironmentError('database is being accessed by other users');
          ctx.state.rolledBack = true;
          return 'rolled back';
        },
      }),
      phase('converse', async () => outcome.failed('1 conversation failed'), { onFailure: 'continue' }),
    ];

    const report = await runPipeline(table, ctx, { sleep: async (ms) => void waits.push(ms) });

    expect(undoCalls).toBe(3);
    expect(waits).toEqual([2_000, 4_000]);
    expect(report.settlement).toEqual({ action: 'rolled-back', detail: 'rolled back' });
  });

  it('calls a run whose rollback still fails unsettled, with exit code 3, naming the error', async () => {
    const table = [
      phase('restore', async () => outcome.passed('ok'), { undo: async () => { throw new ConfigError('broken'); } }),
      phase('anonymize', async () => outcome.failed('column without a rule')),
    ];

    const report = await runPipeline(table, makeRunContext(unusedProvider), { sleep: noSleep });

    expect(report.settlement).toEqual({ action: 'unsettled', detail: 'FAILED: broken; staging needs a look by hand' });
    expect(report.exitCode).toBe(3);
  });
});
