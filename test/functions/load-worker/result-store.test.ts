import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { createLoadWorker } from '../../../functions/load-worker/handler';
import { lazyLoadResultStore } from '../../../functions/common/load-results-store';
import { ConfigError } from '../../../shared/errors';
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

describe('load-worker in the Map state', () => {
  let server: TestServer;
  beforeEach(async () => {
    s3.reset();
    server = await startServer(botReplying(() => [{ text: 'hello there' }]));
  });
  afterEach(async () => server.close());

  it('writes its encoded result to the results bucket under the item\'s key and returns only the key', async () => {
    // Prepare
    s3.on(PutObjectCommand).resolves({});
    const worker = createLoadWorker(lazyLoadResultStore({ AWS_REGION: 'eu-west-1', LAMBDA_TASK_ROOT: await taskRoot(), LOAD_RESULTS_BUCKET: 'rehearsal-load-results' }));

    // Act: through JSON both ways, as Step Functions passes it.
    const returned = JSON.parse(JSON.stringify(await worker(JSON.parse(JSON.stringify(mapItem(server.url)))))) as unknown;

    // Assert
    expect(returned).toEqual({ workerIndex: 1, resultKey: 'load-results/run-1/worker-01.json' });
    const [put] = s3.commandCalls(PutObjectCommand);
    expect(s3.commandCalls(PutObjectCommand)).toHaveLength(1);
    expect(put?.args[0].input).toEqual({ Bucket: 'rehearsal-load-results', Key: 'load-results/run-1/worker-01.json', Body: expect.any(String) as unknown, ContentType: 'application/json' });
    const stored = loadWorkerResultSchema.parse(JSON.parse(String(put?.args[0].input.Body)));
    expect(stored).toMatchObject({ workerIndex: 1, workerCount: 2, arrivals: { launched: 5 } });
    expect(stored.series).toEqual([expect.objectContaining({ conversation: 'greet', turn: 1, requests: 5, errors: 0 })]);
  });

  it('fails naming the missing bucket variable, and writes nothing', async () => {
    const worker = createLoadWorker(lazyLoadResultStore({ AWS_REGION: 'eu-west-1', LAMBDA_TASK_ROOT: await taskRoot() }));

    const error = await worker(mapItem(server.url)).catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems.map((problem) => problem.path)).toEqual(['env.LOAD_RESULTS_BUCKET']);
    expect(s3.calls()).toHaveLength(0);
  });
});
