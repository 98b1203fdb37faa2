import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { sliceClaimKey } from '../../../shared/aws/load-claims';
import { s3LoadResultStore } from '../../../shared/aws/load-results';
import { EnvironmentError } from '../../../shared/errors';

const s3 = mockClient(S3Client);
const claim = { runId: 'run-1', workerIndex: 3, workerCount: 8, invocation: 'req-1', claimedAt: 1, deadline: 2 };

function s3Error(name: string, status: number): Error {
  return Object.assign(new Error(`${name} from S3`), { name, $metadata: { httpStatusCode: status } });
}

beforeEach(() => s3.reset());

describe('s3LoadResultStore.create (the conditional put claims rely on)', () => {
  it('puts with If-None-Match: * and reports that it created the object', async () => {
    s3.on(PutObjectCommand).resolves({});

    const created = await s3LoadResultStore(new S3Client({}), 'results').create?.('load-results/run-1/worker-03.of-08.claim.json', claim);

    expect(created).toBe(true);
    expect(s3.commandCalls(PutObjectCommand).map((call) => call.args[0].input)).toEqual([{
      Bucket: 'results', Key: 'load-results/run-1/worker-03.of-08.claim.json', Body: JSON.stringify(claim), ContentType: 'application/json', IfNoneMatch: '*',
    }]);
  });

  it.each([['PreconditionFailed', 412], ['ConditionalRequestConflict', 409]])('answers false when S3 refuses with %s (%i): another invocation holds the key', async (name, status) => {
    s3.on(PutObjectCommand).rejects(s3Error(name, status));

    await expect(s3LoadResultStore(new S3Client({}), 'results').create?.('k', claim)).resolves.toBe(false);
  });

  it('throws an EnvironmentError naming the object for any other refusal', async () => {
    s3.on(PutObjectCommand).rejects(s3Error('AccessDenied', 403));

    const error = await s3LoadResultStore(new S3Client({}), 'results').create?.('load-results/x.claim.json', claim).catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(EnvironmentError);
    expect((error as Error).message).toBe('could not write s3://results/load-results/x.claim.json (AccessDenied)');
  });
});

describe('sliceClaimKey', () => {
  it('sits beside the result under the results prefix, per plan shape', () => {
    expect(sliceClaimKey('load-results/run-1/worker-03.json', { workerIndex: 3, workerCount: 8 })).toBe('load-results/run-1/worker-03.of-08.claim.json');
    expect(sliceClaimKey('load-results/run-1/worker-03.json', { workerIndex: 3, workerCount: 4 })).not.toBe(sliceClaimKey('load-results/run-1/worker-03.json', { workerIndex: 3, workerCount: 8 }));
  });
});
