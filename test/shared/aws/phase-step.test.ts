import { absorbFailure, parseExecution } from '../../../shared/aws/execution';
import { runPhaseStep, type PhaseRuntime } from '../../../shared/aws/phase-step';
import { settleExecution } from '../../../shared/aws/settle';
import type { DatabaseProvider, DatabaseRef, Progress, Promotion, SnapshotRef } from '../../../shared/db/provider';
import { ConfigError, EnvironmentError } from '../../../shared/errors';
import { AwsRequestError } from '../../../shared/aws/aws-errors';
import type { RunLog } from '../../../shared/pipeline/log';
import { PHASE_TABLE } from '../../../shared/pipeline/phase-table';
import { runSnapshot } from '../../../shared/pipeline/phases/snapshot';
import { rdsConfig } from './factories';

/** A database provider that answers from a script and records what was asked: the boundary the phases see. */
class ScriptedProvider implements DatabaseProvider {
  readonly kind = 'scripted';
  readonly calls: string[] = [];
  constructor(private readonly snapshots: Progress<SnapshotRef>[] = []) {}
  async preflight(): Promise<void> { this.calls.push('preflight'); }
  async snapshot(): Promise<Progress<SnapshotRef>> {
    this.calls.push('snapshot');
    const next = this.snapshots.shift();
    if (!next) throw new Error('script ran out');
    return next;
  }
  async restore(): Promise<Progress<DatabaseRef>> { throw new Error('not scripted'); }
  async connection(): Promise<never> { throw new Error('not scripted'); }
  async promote(): Promise<Progress<Promotion>> { throw new Error('not scripted'); }
  async rollback(promotion: Promotion): Promise<Progress<Promotion>> { this.calls.push(`rollback ${promotion.staging.id}`); return { state: 'ready', value: promotion }; }
  async discard(candidate: DatabaseRef): Promise<void> { this.calls.push(`discard ${candidate.id}`); }
  async commit(promotion: Promotion): Promise<void> { this.calls.push(`commit ${promotion.previous?.id ?? '-'}`); }
  async pruneSnapshots(): Promise<string[]> { this.calls.push('prune'); return ['old-snap']; }
}

const silent: RunLog = { info: () => undefined, warn: () => undefined, error: () => undefined, progress: () => undefined };

function runtime(database: DatabaseProvider, now: () => number): PhaseRuntime {
  return { config: rdsConfig(), baseDir: '/var/task', outDir: '/tmp/out', providers: { database }, maskingKey: Buffer.alloc(0), log: silent, now };
}

const SNAPSHOT_PHASE = { name: 'snapshot' as const, run: runSnapshot, timeoutMs: 120 * 60_000 };
const start = { runId: 'run-1', deployId: 'custom:1' };

describe('runPhaseStep', () => {
  it('hands a pending outcome back with the wait in seconds and the phase clock, then records the result', async () => {
    // Prepare
    let now = 1_000_000;
    const provider = new ScriptedProvider([
      { state: 'pending', value: { id: 'snap-1', createdAt: 't' }, retryAfterMs: 60_000 },
      { state: 'ready', value: { id: 'snap-1', createdAt: 't' } },
    ]);

    // Act
    const first = await runPhaseStep(SNAPSHOT_PHASE, { execution: start }, runtime(provider, () => now));
    now += 61_000;
    const second = await runPhaseStep(SNAPSHOT_PHASE, { execution: first.execution, retryCount: 0 }, runtime(provider, () => now));

    // Assert
    expect(first.execution).toMatchObject({ step: { status: 'pending', retryAfterSeconds: 60 }, clock: { phase: 'snapshot', startedAt: 1_000_000, polls: 1 }, state: { snapshot: { id: 'snap-1' } } });
    expect(first.execution.results).toEqual({});
    expect(second.execution.step).toEqual({ status: 'passed' });
    expect(second.execution.clock).toBeUndefined();
    expect(second.execution.results.snapshot).toEqual({
      name: 'snapshot', status: 'passed', summary: 'snapshot snap-1 taken', durationMs: 61_000, attempts: 1, figures: { snapshot: 'snap-1', snapshotsPruned: 1 },
    });
    expect(provider.calls).toEqual(['preflight', 'snapshot', 'snapshot', 'prune']);
  });

  it("fails the phase with the local runner's message once waiting again would pass its timeout", async () => {
    let now = 0;
    const provider = new ScriptedProvider([
      { state: 'pending', value: { id: 'snap-1', createdAt: 't' }, retryAfterMs: 60_000 },
      { state: 'pending', value: { id: 'snap-1', createdAt: 't' }, retryAfterMs: 60_000 },
    ]);
    const first = await runPhaseStep({ ...SNAPSHOT_PHASE, timeoutMs: 100_000 }, { execution: start }, runtime(provider, () => now));
    now = 50_000;

    const second = await runPhaseStep({ ...SNAPSHOT_PHASE, timeoutMs: 100_000 }, { execution: first.execution }, runtime(provider, () => now));

    expect(second.execution.step).toEqual({ status: 'failed' });
    expect(second.execution.results.snapshot?.summary).toBe('timed out after 100000 ms: snapshot snap-1 is being created');
  });

  it("hands the finished phase's details back beside the document, never inside it (Step Functions state is limited to 256 KB)", async () => {
    const details = { tables: [{ table: 'public.users', rows: 3 }] };
    const phase = { name: 'anonymize' as const, timeoutMs: 60_000, run: async () => ({ status: 'passed' as const, summary: 'masked', figures: { rows: 3 }, details }) };

    const step = await runPhaseStep(phase, { execution: start }, runtime(new ScriptedProvider(), () => 1_000));

    expect(step.finished).toEqual({ details });
    expect(step.execution.results.anonymize).toEqual({ name: 'anonymize', status: 'passed', summary: 'masked', durationMs: 0, attempts: 1, figures: { rows: 3 } });
  });

  it('counts Step Functions retries as attempts', async () => {
    const provider = new ScriptedProvider([{ state: 'ready', value: { id: 'snap-1', createdAt: 't' } }]);

    const step = await runPhaseStep(SNAPSHOT_PHASE, { execution: start, retryCount: 2 }, runtime(provider, () => 0));

    expect(step.execution.results.snapshot?.attempts).toBe(3);
  });

  it('refuses an execution whose state holds something named like a secret, naming the path', () => {
    expect(() => parseExecution({ ...start, state: { candidate: { id: 'c', database: 'd' }, masterPassword: 'x' } }))
      .toThrow(ConfigError);
    expect(() => parseExecution({ ...start, state: { nested: { apiToken: 'x' } } }))
      .toThrow('event.state.nested.apiToken: state must never hold a secret: pass its ARN instead');
    expect(() => parseExecution({ ...start, state: { stagingSecretArn: 'arn:aws:secretsmanager:...' } })).not.toThrow();
  });

  it('turns a caught Lambda error into the failed phase result, keeping only its type and message', () => {
    const caught = absorbFailure(parseExecution({
      ...start,
      failure: { Error: 'EnvironmentError', Cause: JSON.stringify({ errorType: 'EnvironmentError', errorMessage: 'creating snapshot failed: Throttling', trace: ['at secret place'] }) },
      failedPhase: { phase: 'snapshot' },
    }));

    expect(caught.failure).toBeUndefined();
    expect(caught.results.snapshot).toMatchObject({ status: 'failed', summary: 'creating snapshot failed: Throttling', error: { name: 'EnvironmentError', exitCode: 3 } });
    expect(JSON.stringify(caught)).not.toContain('secret place');
  });

  it.each([
    ['PiiFoundError', 'verify', 1], ['CoverageError', 'anonymize', 1], ['RowSecurityError', 'anonymize', 2], ['ConnectionLostError', 'anonymize', 3],
  ] as const)('gives a caught %s the exit code its class has (%s)', (errorType, phase, exitCode) => {
    const caught = absorbFailure(parseExecution({
      ...start,
      failure: { Error: errorType, Cause: JSON.stringify({ errorType, errorMessage: 'what happened', trace: [] }) },
      failedPhase: { phase },
    }));

    expect(caught.results[phase]?.error).toEqual({ name: errorType, message: 'what happened', exitCode });
  });
});

describe('settleExecution', () => {
  const passed = (name: string) => ({ name, status: 'passed', summary: 'ok', durationMs: 1, attempts: 1, figures: {} });

  it('undoes what ran in reverse order when a phase failed, and marks what never ran', async () => {
    const provider = new ScriptedProvider();
    const execution = {
      ...start,
      state: { snapshot: { id: 's', createdAt: 't' }, candidate: { id: 'cand', database: 'support' }, promotion: { staging: { id: 'cand', database: 'support' }, previous: { id: 'old', database: 'support' } } },
      results: { snapshot: passed('snapshot'), restore: passed('restore'), anonymize: passed('anonymize'), verify: passed('verify'), promote: passed('promote'),
        reconcile: { ...passed('reconcile'), status: 'failed' } },
    };

    const settled = await settleExecution(PHASE_TABLE, execution, runtime(provider, () => 0));

    expect(provider.calls).toEqual(['rollback cand']);
    expect(settled.state.rolledBack).toBe(true);
    expect(settled.settlement?.action).toBe('rolled-back');
    expect(settled.results.converse?.status).toBe('not-run');
    expect(settled.results.publish).toBeUndefined();
  });

  it('discards the candidate when the run stopped before promote', async () => {
    const provider = new ScriptedProvider();
    const execution = { ...start, state: { candidate: { id: 'cand', database: 'support' } }, results: { snapshot: passed('snapshot'), restore: passed('restore'), anonymize: { ...passed('anonymize'), status: 'failed' } } };

    const settled = await settleExecution(PHASE_TABLE, execution, runtime(provider, () => 0));

    expect(provider.calls).toEqual(['discard cand']);
    expect(settled.settlement).toEqual({ action: 'discarded-candidate', detail: 'candidate cand removed; staging untouched' });
  });

  it('hands a waiting rollback back as step pending with its wait and progress, counting the calls, then settles on a later call', async () => {
    // Prepare: the rollback needs one wait (a rename back) before it is done.
    const provider = new ScriptedProvider();
    provider.rollback = async (promotion) => promotion.swap?.['step'] === 'unparking'
      ? { state: 'ready', value: { ...promotion, swap: { step: 'rolled-back' } } }
      : { state: 'pending', value: { ...promotion, swap: { step: 'unparking' } }, retryAfterMs: 30_000, detail: 'renaming old back' };
    const execution = {
      ...start,
      state: { candidate: { id: 'cand', database: 'support' }, promotion: { staging: { id: 'cand', database: 'support' }, previous: { id: 'old', database: 'support' } } },
      results: { promote: passed('promote'), reconcile: { ...passed('reconcile'), status: 'failed' } },
    };

    // Act
    const waiting = await settleExecution(PHASE_TABLE, execution, runtime(provider, () => 0));
    const settled = await settleExecution(PHASE_TABLE, waiting, runtime(provider, () => 0));

    // Assert
    expect(waiting.step).toEqual({ status: 'pending', retryAfterSeconds: 30 });
    expect(waiting.settlePolls).toBe(1);
    expect(waiting.settlement).toBeUndefined();
    expect(waiting.state.promotion?.swap).toEqual({ step: 'unparking' });
    expect(settled.settlement?.action).toBe('rolled-back');
    expect(settled.step).toEqual({ status: 'passed' });
    expect(settled.state.promotion?.swap).toEqual({ step: 'rolled-back' });
  });

  it('commits in order when everything passed', async () => {
    const provider = new ScriptedProvider();
    const results = Object.fromEntries(PHASE_TABLE.filter((p) => !p.final).map((p) => [p.name, passed(p.name)]));
    const execution = { ...start, state: { promotion: { staging: { id: 'cand', database: 'support' }, previous: { id: 'old', database: 'support' } } }, results };

    const settled = await settleExecution(PHASE_TABLE, execution, runtime(provider, () => 0));

    expect(provider.calls).toEqual(['commit old']);
    expect(settled.settlement?.action).toBe('committed');
  });
});

describe('settleExecution retries', () => {
  it('retries a rollback step that hits a transient fault, and gives up on other errors with the reason recorded', async () => {
    // Prepare: rollback throttled twice then done; discard refused for good.
    let rollbacks = 0;
    const provider = new ScriptedProvider();
    provider.rollback = async (promotion) => {
      rollbacks += 1;
      if (rollbacks < 3) throw new EnvironmentError('pointing db.staging at old failed: ThrottlingException (transient: retried)');
      return { state: 'ready', value: promotion };
    };
    const waits: number[] = [];
    const execution = {
      ...start,
      state: { promotion: { staging: { id: 'cand', database: 'support' }, previous: { id: 'old', database: 'support' } } },
      results: { promote: { name: 'promote', status: 'passed', summary: 'ok', durationMs: 1, attempts: 1, figures: {} }, reconcile: { name: 'reconcile', status: 'failed', summary: 'drift', durationMs: 1, attempts: 1, figures: {} } },
    };

    // Act
    const settled = await settleExecution(PHASE_TABLE, execution, runtime(provider, () => 0), { sleep: async (ms) => void waits.push(ms) });
    provider.rollback = async () => { throw new AwsRequestError('deleting cand failed: AccessDenied'); };
    const refused = await settleExecution(PHASE_TABLE, execution, runtime(provider, () => 0), { sleep: async (ms) => void waits.push(ms) });

    // Assert
    expect(rollbacks).toBe(3);
    expect(waits).toEqual([2_000, 4_000]);
    expect(settled.settlement?.action).toBe('rolled-back');
    expect(refused.settlement).toEqual({ action: 'unsettled', detail: 'FAILED: deleting cand failed: AccessDenied; staging needs a look by hand' });
  });
});
