import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import type { Context } from 'aws-lambda';
import { createLoadMergeHandler } from '../../../functions/load-merge/handler';
import { lazyLoadResultStore } from '../../../functions/common/load-results-store';
import { s3PhaseRecordStore } from '../../../shared/aws/phase-records';
import { LoadMeasurement } from '../../../shared/load/measurement';
import { rdsConfig } from '../../shared/aws/factories';
import { writeTree } from '../../shared/converse/support/files';

const s3 = mockClient(S3Client);
const context = { functionName: 'rehearsal-load-merge', awsRequestId: 'req-1', getRemainingTimeInMillis: () => 60_000 } as unknown as Context;

describe('load-merge handler', () => {
  beforeEach(() => s3.reset());

  it('reads the workers\' results from LOAD_RESULTS_BUCKET, writes the merged latency distributions as EMF and returns the document without the plan', async () => {
    // Prepare: two workers' results in the bucket.
    const bodies = [0, 1].map((index) => {
      const worker = new LoadMeasurement();
      for (let sample = 0; sample < 10; sample += 1) worker.record('greet', 1, 20 + index * 10 + sample, 10);
      return JSON.stringify(worker.toResult(index, 2));
    });
    s3.on(GetObjectCommand).callsFake((input: { Key: string }) => ({ Body: { transformToString: async () => bodies[input.Key.endsWith('01.json') ? 1 : 0] } }));
    s3.on(PutObjectCommand).resolves({});
    const written: string[] = [];
    const config = rdsConfig();
    const handler = createLoadMergeHandler(lazyLoadResultStore({ AWS_REGION: 'eu-west-1', LAMBDA_TASK_ROOT: await writeTree({ 'rehearsal.config.json': JSON.stringify(config) }), LOAD_RESULTS_BUCKET: 'results' }), {
      env: { PHASE_TIMEOUT_MS: '3600000' },
      write: (text) => void written.push(text),
      records: () => s3PhaseRecordStore(new S3Client({}), 'reports'),
      factory: async (log) => ({ config, baseDir: '/var/task', outDir: '/tmp/rehearsal-test-merge', maskingKey: Buffer.alloc(0), log, providers: { database: undefined as never } }),
    });
    const items = [0, 1].map((workerIndex) => ({ slice: { phases: [{ durationMs: 1000, arrivalRate: 10 }], workerIndex, workerCount: 2 }, resultKey: `load-results/run-1/worker-0${workerIndex}.json` }));
    const event = {
      execution: {
        runId: 'run-1', deployId: 'custom:1', state: {}, results: {}, clock: { phase: 'load', startedAt: Date.now(), polls: 1 },
        loadPlan: { runId: 'run-1', target: 'http://127.0.0.1:9/', mode: 'conversations', checks: [], convos: [], items, results: items.map((item) => ({ workerIndex: item.slice.workerIndex, resultKey: item.resultKey })) },
      },
      retryCount: 0,
    };

    // Act
    const execution = await handler(event, context);

    // Assert
    expect(s3.commandCalls(GetObjectCommand).map((call) => call.args[0].input)).toEqual([
      { Bucket: 'results', Key: 'load-results/run-1/worker-00.json' }, { Bucket: 'results', Key: 'load-results/run-1/worker-01.json' },
    ]);
    expect(execution).not.toHaveProperty('loadPlan');
    expect(execution.results.load).toMatchObject({ status: 'passed', figures: { requests: 20, errors: 0 } });
    const emf = written.join('').trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    const turn = emf.find((line) => line['Turn'] === '1' && 'ResponseTime' in line);
    expect((turn?.['ResponseTime'] as { Counts: number[] }).Counts.reduce((sum, count) => sum + count, 0)).toBe(20);
    // The merge records the load phase's result, so it leaves the load phase's record for publish's report.
    const puts = s3.commandCalls(PutObjectCommand).map((call) => call.args[0].input);
    expect(puts.map(({ Bucket, Key, ContentType }) => ({ Bucket, Key, ContentType }))).toEqual([{ Bucket: 'reports', Key: 'support-bot/run-1/phases/load.json', ContentType: 'application/json' }]);
    const record = JSON.parse(String(puts[0]?.Body)) as { phase: string; details?: unknown; metrics: { name: string; counts?: number[]; dimensions: Record<string, string> }[] };
    expect(record.phase).toBe('load');
    expect(record.details).toBeDefined();
    const recordedTurn = record.metrics.find((datum) => datum.name === 'ResponseTime' && datum.dimensions['Turn'] === '1');
    expect(recordedTurn?.counts?.reduce((sum, count) => sum + count, 0)).toBe(20);
  });
});
