import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { createLoadWorker } from '../../../functions/load-worker/handler';
import { CLAIM_GRACE_MS } from '../../../shared/aws/load-claims';
import { s3LoadResultStore } from '../../../shared/aws/load-results';
import { EnvironmentError } from '../../../shared/errors';
import { mergeLoadResults, planLoadSlices } from '../../../shared/load/distributed';
import { loadWorkerResultSchema } from '../../../shared/load/result-schema';
import { botReplying, startServer, type TestServer } from '../../shared/converse/support/bot-server';

const s3 = mockClient(S3Client);
const BUCKET = 'rehearsal-load-results';
const RESULT = 'load-results/run-1/worker-01.json';
const CLAIM = 'load-results/run-1/worker-01.of-02.claim.json';
const convos = [{
  name: 'greet', tags: [], weight: 1, data: [], where: { file: 'greet.yaml', line: 1 },
  turns: [{ user: { kind: 'text', text: 'hi' }, expect: [{ kind: 'contains', values: ['hello'], mode: 'all' }], thinkMs: 0, capture: [], where: { file: 'greet.yaml', line: 3 } }],
}];

/** Worker 1 of 2's Map item: 5 arrivals. */
function mapItem(target: string): Record<string, unknown> {
  const slice = planLoadSlices({ phases: [{ durationMs: 500, arrivalRate: 20 }], connections: 4, maxLagMs: 5000 }, 2)[1]; // a loaded CI machine must not make the run invalid
  return JSON.parse(JSON.stringify({ runId: 'run-1', target, slice, convos, resultKey: RESULT })) as Record<string, unknown>;
}

function s3Error(name: string, status: number): Error {
  return Object.assign(new Error(`${name} from S3`), { name, $metadata: { httpStatusCode: status } });
}

/** The bucket in memory behind the mocked S3 API, with S3's conditional put: `If-None-Match: *` on an existing key is 412. */
let bucket: Map<string, string>;
let refusedPuts: string[];

const context = (id: string, remainingMs = 15 * 60_000) => ({ awsRequestId: id, getRemainingTimeInMillis: () => remainingMs });
const store = () => s3LoadResultStore(new S3Client({}), BUCKET);

describe('load-worker slice claims (one invocation sends a slice’s traffic)', () => {
  let server: TestServer;
  beforeEach(async () => {
    s3.reset();
    bucket = new Map();
    refusedPuts = [];
    s3.on(GetObjectCommand).callsFake((input: { Key: string }) => {
      const body = bucket.get(input.Key);
      if (body === undefined) throw s3Error('NoSuchKey', 404);
      return { Body: { transformToString: async () => body } };
    });
    s3.on(PutObjectCommand).callsFake((input: { Key: string; Body: string; IfNoneMatch?: string }) => {
      if (input.IfNoneMatch === '*' && bucket.has(input.Key)) {
        refusedPuts.push(input.Key);
        throw s3Error('PreconditionFailed', 412);
      }
      bucket.set(input.Key, input.Body);
      return {};
    });
    server = await startServer(botReplying(() => [{ text: 'hello there' }]));
  });
  afterEach(async () => server.close());

  it('two concurrent invocations of one slice: the claim’s loser sends nothing and returns the winner’s result', async () => {
    // Prepare: the loser looks again every 20 ms (a real timer) while the winner's traffic runs.
    const worker = createLoadWorker(store, { pollMs: 20 });

    // Act
    const [first, second] = await Promise.all([worker(mapItem(server.url), context('req-a')), worker(mapItem(server.url), context('req-b'))]);

    // Assert: the slice's 5 arrivals reached the bot once.
    expect(server.received).toHaveLength(5);
    expect(first).toEqual({ workerIndex: 1, resultKey: RESULT });
    expect(second).toEqual(first);
    expect(refusedPuts).toEqual([CLAIM]);
    const claims = s3.commandCalls(PutObjectCommand).filter((call) => call.args[0].input.Key === CLAIM).map((call) => call.args[0].input);
    expect(claims).toHaveLength(2);
    for (const claim of claims) expect(claim).toEqual({ Bucket: BUCKET, Key: CLAIM, Body: expect.any(String) as unknown, ContentType: 'application/json', IfNoneMatch: '*' });
    expect(JSON.parse(bucket.get(CLAIM) ?? '{}')).toMatchObject({ runId: 'run-1', workerIndex: 1, workerCount: 2, invocation: 'req-a' });
    expect(loadWorkerResultSchema.parse(JSON.parse(bucket.get(RESULT) ?? ''))).toMatchObject({ workerIndex: 1, arrivals: { launched: 5 }, invalid: [] });
  });

  it('after a claimant that died mid-traffic (past its deadline, no result): sends nothing again and stores the slice as invalid with the reason', async () => {
    // Prepare: invocation req-dead claimed the slice and was ended by Lambda at its deadline without writing a result.
    const now = 1_800_000_000_000;
    const dead = { runId: 'run-1', workerIndex: 1, workerCount: 2, invocation: 'req-dead', claimedAt: now - 16 * 60_000, deadline: now - 60_000 };
    bucket.set(CLAIM, JSON.stringify(dead));
    const worker = createLoadWorker(store, { now: () => now, sleep: async () => { throw new Error('must not wait'); } });

    // Act
    const returned = await worker(mapItem(server.url), context('req-retry'));

    // Assert
    expect(server.received).toHaveLength(0);
    expect(returned).toEqual({ workerIndex: 1, resultKey: RESULT });
    const write = s3.commandCalls(PutObjectCommand).find((call) => call.args[0].input.Key === RESULT)?.args[0].input;
    expect(write).toEqual({ Bucket: BUCKET, Key: RESULT, Body: expect.any(String) as unknown, ContentType: 'application/json', IfNoneMatch: '*' });
    const stored = loadWorkerResultSchema.parse(JSON.parse(bucket.get(RESULT) ?? ''));
    expect(stored).toMatchObject({ workerIndex: 1, workerCount: 2, arrivals: { launched: 0 }, series: [] });
    expect(stored.invalid).toEqual([
      'worker 1 of 2: invocation req-dead claimed the slice at 2027-01-15T07:44:00.000Z and ended by 2027-01-15T07:59:00.000Z without a result; its traffic was sent (at least partly) but its figures are lost, and it is not sent again',
    ]);
    // The merge carries the reason: the run is reported invalid, not silently short of a slice.
    expect(mergeLoadResults([stored]).invalid).toEqual(stored.invalid);
  });

  it('waits for a live claimant’s result, and fails with a clear EnvironmentError (sending nothing) when its own time runs out first', async () => {
    // Prepare: a claimant still within its deadline, with no result yet; this invocation has 30 s left.
    let now = 1_800_000_000_000;
    bucket.set(CLAIM, JSON.stringify({ runId: 'run-1', workerIndex: 1, workerCount: 2, invocation: 'req-live', claimedAt: now - 1_000, deadline: now + 14 * 60_000 }));
    const waits: number[] = [];
    const worker = createLoadWorker(store, { now: () => now, sleep: async (ms) => { waits.push(ms); now += ms; } });

    // Act
    const error = await worker(mapItem(server.url), context('req-late', 30_000)).catch((caught: unknown) => caught);

    // Assert
    expect(error).toBeInstanceOf(EnvironmentError);
    expect((error as Error).message).toBe(
      'worker 1 of 2 of run run-1: invocation req-live holds the slice\'s claim (since 2027-01-15T07:59:59.000Z, until 2027-01-15T08:14:00.000Z) and no result came in 25000 ms; this invocation sends no traffic',
    );
    expect(waits).toEqual([5_000, 5_000, 5_000, 5_000, 5_000]);
    expect(server.received).toHaveLength(0);
    expect(bucket.has(RESULT)).toBe(false);
  });

  it('does not count a claimant as dead within the grace after its deadline (clocks differ between invocations)', async () => {
    let now = 1_800_000_000_000;
    bucket.set(CLAIM, JSON.stringify({ runId: 'run-1', workerIndex: 1, workerCount: 2, invocation: 'req-edge', claimedAt: now - 60_000, deadline: now - CLAIM_GRACE_MS + 1 }));
    const worker = createLoadWorker(store, { now: () => now, sleep: async (ms) => { now += ms; } });

    // Act: the first look is within the grace; after one wait the claimant is past it.
    const returned = await worker(mapItem(server.url), context('req-next'));

    // Assert
    expect(returned).toEqual({ workerIndex: 1, resultKey: RESULT });
    expect(server.received).toHaveLength(0);
    expect(loadWorkerResultSchema.parse(JSON.parse(bucket.get(RESULT) ?? '')).invalid[0]).toMatch(/^worker 1 of 2: invocation req-edge claimed the slice/);
    expect(s3.commandCalls(GetObjectCommand).filter((call) => call.args[0].input.Key === CLAIM)).toHaveLength(2);
  });

  it('a claimant whose run throws stores the failure before rethrowing: the retry reports it and sends nothing', async () => {
    // Prepare: a conversation-mode slice without conversations makes the run throw.
    const worker = createLoadWorker(store);
    const broken = { ...mapItem(server.url), convos: [] };

    // Act
    const error = await worker(broken, context('req-a')).catch((caught: unknown) => caught);
    const retried = await worker(broken, context('req-b'));

    // Assert
    expect(error).toBeInstanceOf(TypeError);
    expect(retried).toEqual({ workerIndex: 1, resultKey: RESULT });
    expect(server.received).toHaveLength(0);
    expect(loadWorkerResultSchema.parse(JSON.parse(bucket.get(RESULT) ?? '')).invalid).toEqual([
      'worker 1 of 2 failed mid-run: a conversation-mode slice needs at least one conversation in `convos`',
    ]);
  });
});
