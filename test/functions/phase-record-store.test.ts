import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import type { Context } from 'aws-lambda';
import { createPhaseHandler } from '../../functions/common/phase-handler';
import { lazyPhaseRecordStore } from '../../functions/common/phase-record-store';
import { s3PhaseRecordStore } from '../../shared/aws/phase-records';
import type { DatabaseProvider } from '../../shared/db/provider';
import { outcome, type PhaseOutcome } from '../../shared/pipeline/outcome';
import type { RunContext } from '../../shared/pipeline/context';
import { rdsConfig } from '../shared/aws/factories';

const s3 = mockClient(S3Client);
const context = { functionName: 'rehearsal-anonymize', awsRequestId: 'req-1', getRemainingTimeInMillis: () => 60_000 } as unknown as Context;
const NOW = 1_700_000_000_000;
const COVERAGE = { tables: [{ table: 'public.users', rows: 3, masked: 2 }] };
const event = { execution: { runId: 'run-1', deployId: 'custom:1', state: {} }, retryCount: 0 };

beforeEach(() => {
  s3.reset();
  s3.on(PutObjectCommand).resolves({});
});

/** The anonymize handler over a phase that records one metric and returns `result`, storing records in `bucket`. */
function anonymizeHandler(result: PhaseOutcome, bucket: string | undefined) {
  const config = rdsConfig();
  const run = async (ctx: RunContext): Promise<PhaseOutcome> => {
    ctx.metrics.add('RowsAnonymized', 3, 'Count', { Table: 'public.users' });
    return result;
  };
  return createPhaseHandler({ name: 'anonymize', run }, {
    env: { PHASE_TIMEOUT_MS: '600000' },
    write: () => undefined,
    records: () => (bucket ? s3PhaseRecordStore(new S3Client({}), bucket) : undefined),
    factory: async (log) => ({ config, baseDir: '/var/task', outDir: '/tmp/out', maskingKey: Buffer.alloc(0), log, now: () => NOW, providers: { database: {} as DatabaseProvider } }),
  });
}

describe("a phase Lambda's record for publish", () => {
  it('stores the finished phase\'s details and metrics in the reports bucket, and keeps the details out of the execution document', async () => {
    // Act
    const execution = await anonymizeHandler(outcome.passed('masked 3 rows', { rows: 3 }, COVERAGE), 'rehearsal-reports-bucket')(event, context);

    // Assert
    const metric = { name: 'RowsAnonymized', unit: 'Count', values: [3], dimensions: { Environment: 'staging', Bot: 'support-bot', Table: 'public.users' }, timestamp: NOW };
    expect(s3.commandCalls(PutObjectCommand).map((call) => call.args[0].input)).toEqual([{
      Bucket: 'rehearsal-reports-bucket',
      Key: 'support-bot/run-1/phases/anonymize.json',
      Body: JSON.stringify({ phase: 'anonymize', metrics: [metric], details: COVERAGE }),
      ContentType: 'application/json',
    }]);
    expect(execution.results.anonymize).toMatchObject({ status: 'passed', figures: { rows: 3 } });
    expect(JSON.stringify(execution)).not.toContain('public.users');
  });

  it('stores nothing while the phase is still pending: its result is not recorded yet', async () => {
    await anonymizeHandler(outcome.pending('batch 1 of 3', 5000), 'rehearsal-reports-bucket')(event, context);

    expect(s3.commandCalls(PutObjectCommand)).toHaveLength(0);
  });

  it('stores nothing when the function was deployed without a reports bucket', async () => {
    const execution = await anonymizeHandler(outcome.passed('masked 3 rows', { rows: 3 }, COVERAGE), undefined)(event, context);

    expect(execution.step?.status).toBe('passed');
    expect(s3.calls()).toHaveLength(0);
  });

  it('still returns the phase\'s result when the record cannot be stored: the record only feeds the report', async () => {
    s3.on(PutObjectCommand).rejects(Object.assign(new Error('denied'), { name: 'AccessDenied' }));

    const execution = await anonymizeHandler(outcome.passed('masked 3 rows', { rows: 3 }, COVERAGE), 'rehearsal-reports-bucket')(event, context);

    expect(s3.commandCalls(PutObjectCommand)).toHaveLength(1);
    expect(execution.step?.status).toBe('passed');
    expect(execution.results.anonymize?.status).toBe('passed');
  });

  it('builds no store and reads no other variable when REPORTS_BUCKET is not set', () => {
    expect(lazyPhaseRecordStore({})()).toBeUndefined();
  });
});
