import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { createLoadWorker } from '../../../functions/load-worker/handler';
import { lazyLoadResultStore } from '../../../functions/common/load-results-store';
import { ConfigError, EnvironmentError } from '../../../shared/errors';
import { planLoadSlices } from '../../../shared/load/distributed';
import { loadWorkerResultSchema } from '../../../shared/load/result-schema';
import { botReplying, startServer, type TestServer } from '../../shared/converse/support/bot-server';
import { rdsConfig } from '../../shared/aws/factories';
import { writeTree } from '../../shared/converse/support/files';

/** A Lambda task root with the bundled config, as the CDK construct deploys it. */
async function taskRoot(): Promise<string> {
  return writeTree({ 'rehearsal.config.json': JSON.stringify(rdsConfig()) });
}

const s3 = mockClient(S3Client);
const convos = [{
  name: 'greet', tags: [], weight: 1, data: [], where: { file: 'greet.yaml', line: 1 },
  turns: [{ user: { kind: 'text', text: 'hi' }, expect: [{ kind: 'contains', values: ['hello'], mode: 'all' }], thinkMs: 0, capture: [], where: { file: 'greet.yaml', line: 3 } }],
}];

/** The item the Map state's ItemSelector builds for worker 1 of 2. */
function mapItem(target: string): Record<string, unknown> {
  const slice = planLoadSlices({ phases: [{ durationMs: 500, arrivalRate: 20 }], connections: 4 }, 2)[1];
  return { runId: 'run-1', target, slice, convos, resultKey: 'load-results/run-1/worker-01.json' };
}

function s3Error(name: string): Error {
  return Object.assign(new Error(`${name} from S3`), { name });
}

/** A result with no traffic, as a worker that launched nothing would store it. */
function emptyResult(workerIndex: number, workerCount: number): unknown {
  return {
    workerIndex, workerCount, startedAt: 0, durationMs: 0,
    arrivals: { scheduled: 0, launched: 0, late: 0, dropped: 0 }, sessions: { started: 0, passed: 0, failed: 0, errored: 0 },
    errorKinds: {}, assertionFailures: 0, maxLagMs: 0, invalid: [], series: [],
  };
}

describe('load-worker in the Map state', () => {
  let server: TestServer;
  beforeEach(async () => {
    s3.reset();
    server = await startServer(botReplying(() => [{ text: 'hello there' }]));
  });
  afterEach(async () => server.close());

  it('writes its encoded result to the results bucket under the item\'s key and returns only the key', async () => {
    // Prepare
    s3.on(GetObjectCommand).rejects(s3Error('NoSuchKey'));
    s3.on(PutObjectCommand).resolves({});
    const worker = createLoadWorker(lazyLoadResultStore({ AWS_REGION: 'eu-west-1', LAMBDA_TASK_ROOT: await taskRoot(), LOAD_RESULTS_BUCKET: 'rehearsal-load-results' }));

    // Act: through JSON both ways, as Step Functions passes it.
    const returned = JSON.parse(JSON.stringify(await worker(JSON.parse(JSON.stringify(mapItem(server.url)))))) as unknown;

    // Assert
    expect(returned).toEqual({ workerIndex: 1, resultKey: 'load-results/run-1/worker-01.json' });
    // The slice's claim first (conditional: only if no claim exists), then the result.
    const [claim, put] = s3.commandCalls(PutObjectCommand);
    expect(s3.commandCalls(PutObjectCommand)).toHaveLength(2);
    expect(claim?.args[0].input).toEqual({ Bucket: 'rehearsal-load-results', Key: 'load-results/run-1/worker-01.of-02.claim.json', Body: expect.any(String) as unknown, ContentType: 'application/json', IfNoneMatch: '*' });
    expect(JSON.parse(String(claim?.args[0].input.Body))).toMatchObject({ runId: 'run-1', workerIndex: 1, workerCount: 2 });
    expect(put?.args[0].input).toEqual({ Bucket: 'rehearsal-load-results', Key: 'load-results/run-1/worker-01.json', Body: expect.any(String) as unknown, ContentType: 'application/json' });
    const stored = loadWorkerResultSchema.parse(JSON.parse(String(put?.args[0].input.Body)));
    expect(stored).toMatchObject({ workerIndex: 1, workerCount: 2, arrivals: { launched: 5 } });
    expect(stored.series).toEqual([expect.objectContaining({ conversation: 'greet', turn: 1, requests: 5, errors: 0 })]);
  });

  it.each(['NoSuchKey', 'NotFound'])('runs a slice whose result is missing (%s), then, invoked again for it, returns the stored result without sending traffic', async (missing) => {
    // Prepare: a bucket in memory behind the mocked S3 API, empty at first.
    const stored = new Map<string, string>();
    s3.on(GetObjectCommand).callsFake((input: { Key: string }) => {
      const body = stored.get(input.Key);
      if (body === undefined) throw s3Error(missing);
      return { Body: { transformToString: async () => body } };
    });
    s3.on(PutObjectCommand).callsFake((input: { Key: string; Body: string; IfNoneMatch?: string }) => {
      if (input.IfNoneMatch === '*' && stored.has(input.Key)) throw Object.assign(s3Error('PreconditionFailed'), { $metadata: { httpStatusCode: 412 } });
      stored.set(input.Key, input.Body);
    });
    const worker = createLoadWorker(lazyLoadResultStore({ AWS_REGION: 'eu-west-1', LAMBDA_TASK_ROOT: await taskRoot(), LOAD_RESULTS_BUCKET: 'rehearsal-load-results' }));
    const item = JSON.parse(JSON.stringify(mapItem(server.url))) as unknown;

    // Act: the first invocation, then Step Functions retrying the same item (its answer was lost).
    const first = await worker(item);
    const requestsAfterFirst = server.received.length;
    const retried = await worker(item);

    // Assert: the slice's 5 arrivals reached the bot once; the retry looked, found, and sent nothing.
    expect(requestsAfterFirst).toBe(5);
    expect(server.received).toHaveLength(5);
    expect(retried).toEqual({ workerIndex: 1, resultKey: 'load-results/run-1/worker-01.json' });
    expect(retried).toEqual(first);
    expect(s3.calls().map((call) => call.args[0].constructor.name)).toEqual(['GetObjectCommand', 'PutObjectCommand', 'PutObjectCommand', 'GetObjectCommand']);
    expect(s3.commandCalls(GetObjectCommand).map((call) => call.args[0].input)).toEqual([
      { Bucket: 'rehearsal-load-results', Key: 'load-results/run-1/worker-01.json' },
      { Bucket: 'rehearsal-load-results', Key: 'load-results/run-1/worker-01.json' },
    ]);
    expect(loadWorkerResultSchema.parse(JSON.parse(stored.get('load-results/run-1/worker-01.json') ?? ''))).toMatchObject({ workerIndex: 1, arrivals: { launched: 5 } });
  });

  it("runs the slice again and overwrites the object when the key holds another slice's result", async () => {
    // Prepare: worker 0 of 2's result under worker 1's key (another plan's, or a mix-up).
    const other = JSON.stringify(loadWorkerResultSchema.parse(emptyResult(0, 2)));
    s3.on(GetObjectCommand).resolves({ Body: { transformToString: async () => other } } as never);
    s3.on(PutObjectCommand).resolves({});
    const worker = createLoadWorker(lazyLoadResultStore({ AWS_REGION: 'eu-west-1', LAMBDA_TASK_ROOT: await taskRoot(), LOAD_RESULTS_BUCKET: 'rehearsal-load-results' }));

    // Act
    await worker(mapItem(server.url));

    // Assert
    expect(server.received).toHaveLength(5);
    const put = s3.commandCalls(PutObjectCommand).find((call) => call.args[0].input.Key === 'load-results/run-1/worker-01.json')?.args[0].input;
    expect(loadWorkerResultSchema.parse(JSON.parse(String(put?.Body)))).toMatchObject({ workerIndex: 1, workerCount: 2 });
  });

  it('sends nothing when it cannot tell whether the slice ran (the bucket refuses the read)', async () => {
    s3.on(GetObjectCommand).rejects(s3Error('AccessDenied'));
    const worker = createLoadWorker(lazyLoadResultStore({ AWS_REGION: 'eu-west-1', LAMBDA_TASK_ROOT: await taskRoot(), LOAD_RESULTS_BUCKET: 'rehearsal-load-results' }));

    const error = await worker(mapItem(server.url)).catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(EnvironmentError);
    expect((error as Error).message).toBe('could not read the load result s3://rehearsal-load-results/load-results/run-1/worker-01.json (AccessDenied): did its worker finish?');
    expect(server.received).toHaveLength(0);
    expect(s3.commandCalls(PutObjectCommand)).toHaveLength(0);
  });

  it('fails naming the missing bucket variable, and writes nothing', async () => {
    const worker = createLoadWorker(lazyLoadResultStore({ AWS_REGION: 'eu-west-1', LAMBDA_TASK_ROOT: await taskRoot() }));

    const error = await worker(mapItem(server.url)).catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems.map((problem) => problem.path)).toEqual(['env.LOAD_RESULTS_BUCKET']);
    expect(s3.calls()).toHaveLength(0);
  });
});
