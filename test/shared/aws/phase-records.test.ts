import { GetObjectCommand, NoSuchKey, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { phaseRecordKey, s3PhaseRecordStore, withStoredDetails, type PhaseRecord } from '../../../shared/aws/phase-records';
import { EnvironmentError } from '../../../shared/errors';
import type { PhaseResult } from '../../../shared/pipeline/report';

const s3 = mockClient(S3Client);
const BUCKET = 'rehearsal-reports-bucket';
const METRIC = { name: 'RowsAnonymized', unit: 'Count', values: [3], dimensions: { Bot: 'support-bot', Table: 'public.users' }, timestamp: 1_700_000_000_000 } as const;
const ANONYMIZE: PhaseRecord = { phase: 'anonymize', details: { tables: [{ table: 'public.users', rows: 3, masked: 2 }] }, metrics: [METRIC] };

beforeEach(() => s3.reset());

/** Answers GetObject from these bodies by key; any other key is NoSuchKey, as S3 answers with s3:ListBucket. */
function storedObjects(bodies: Record<string, string>): void {
  s3.on(GetObjectCommand).callsFake((input: { Key: string }) => {
    const body = bodies[input.Key];
    if (body === undefined) throw new NoSuchKey({ message: 'The specified key does not exist.', $metadata: {} });
    return { Body: { transformToString: async () => body } };
  });
}

describe('phase records in the reports bucket', () => {
  it("keys a record by bot, run and phase inside the run's report folder", () => {
    expect(phaseRecordKey('support-bot', 'run-1', 'converse')).toBe('support-bot/run-1/phases/converse.json');
  });

  it('stores a phase\'s details and metrics as one JSON object under its key', async () => {
    // Prepare
    s3.on(PutObjectCommand).resolves({});

    // Act
    const key = await s3PhaseRecordStore(new S3Client({}), BUCKET).write('support-bot', 'run-1', ANONYMIZE);

    // Assert
    expect(key).toBe('support-bot/run-1/phases/anonymize.json');
    expect(s3.commandCalls(PutObjectCommand).map((call) => call.args[0].input)).toEqual([
      { Bucket: BUCKET, Key: 'support-bot/run-1/phases/anonymize.json', Body: JSON.stringify(ANONYMIZE), ContentType: 'application/json' },
    ]);
  });

  it('turns a refused write into an environment error naming the object', async () => {
    s3.on(PutObjectCommand).rejects(Object.assign(new Error('denied'), { name: 'AccessDenied' }));

    const result = s3PhaseRecordStore(new S3Client({}), BUCKET).write('support-bot', 'run-1', ANONYMIZE);

    await expect(result).rejects.toBeInstanceOf(EnvironmentError);
    await expect(result).rejects.toThrow('s3://rehearsal-reports-bucket/support-bot/run-1/phases/anonymize.json: AccessDenied');
  });

  it('reads back the stored records and warns, naming the object, about a missing or malformed one', async () => {
    // Prepare
    storedObjects({
      'support-bot/run-1/phases/anonymize.json': JSON.stringify(ANONYMIZE),
      'support-bot/run-1/phases/reconcile.json': '{"phase":"reconcile"}',
    });

    // Act
    const { records, warnings } = await s3PhaseRecordStore(new S3Client({}), BUCKET).readAll('support-bot', 'run-1', ['anonymize', 'reconcile', 'converse']);

    // Assert
    expect(s3.commandCalls(GetObjectCommand).map((call) => call.args[0].input)).toEqual([
      { Bucket: BUCKET, Key: 'support-bot/run-1/phases/anonymize.json' },
      { Bucket: BUCKET, Key: 'support-bot/run-1/phases/reconcile.json' },
      { Bucket: BUCKET, Key: 'support-bot/run-1/phases/converse.json' },
    ]);
    expect(records).toEqual([ANONYMIZE]);
    expect(warnings).toEqual([
      "the reconcile phase's details at s3://rehearsal-reports-bucket/support-bot/run-1/phases/reconcile.json are not a phase record: left out of the report",
      'no details stored for the converse phase (s3://rehearsal-reports-bucket/support-bot/run-1/phases/converse.json): its report sections show figures only',
    ]);
  });

  it('puts stored details back into the results that carry none, leaving the others as they are', () => {
    const results: PhaseResult[] = [
      { name: 'anonymize', status: 'passed', summary: 'masked', durationMs: 5, attempts: 1, figures: { rows: 3 } },
      { name: 'verify', status: 'passed', summary: 'clean', durationMs: 5, attempts: 1, figures: {} },
    ];

    const rebuilt = withStoredDetails(results, [ANONYMIZE, { phase: 'verify', metrics: [] }]);

    expect(rebuilt).toEqual([{ ...results[0], details: ANONYMIZE.details }, results[1]]);
  });
});
