import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { mockClient } from 'aws-sdk-client-mock';
import { EnvironmentError } from '../../../shared/errors';
import { uploadReport } from '../../../shared/report/s3-upload';

describe('uploadReport', () => {
  const s3 = mockClient(S3Client);
  beforeEach(() => s3.reset());
  afterAll(() => s3.restore());

  it('puts each report file under the run id and under latest, with its content type, skipping files not written', async () => {
    // Prepare
    const outDir = await mkdtemp(path.join(tmpdir(), 'upload-'));
    await writeFile(path.join(outDir, 'report.html'), '<!DOCTYPE html>');
    await writeFile(path.join(outDir, 'report.json'), '{}');
    s3.on(PutObjectCommand).resolves({});

    // Act
    const keys = await uploadReport({ s3: new S3Client({}), bucket: 'reports', bot: 'support-bot', runId: 'run-1', outDir });

    // Assert
    expect(keys).toEqual(['support-bot/run-1/report.html', 'support-bot/latest/report.html', 'support-bot/run-1/report.json', 'support-bot/latest/report.json']);
    const inputs = s3.commandCalls(PutObjectCommand).map((call) => call.args[0].input);
    expect(inputs.map(({ Body: _body, ...rest }) => rest)).toEqual([
      { Bucket: 'reports', Key: 'support-bot/run-1/report.html', ContentType: 'text/html; charset=utf-8', CacheControl: 'max-age=31536000, immutable' },
      { Bucket: 'reports', Key: 'support-bot/latest/report.html', ContentType: 'text/html; charset=utf-8', CacheControl: 'no-cache' },
      { Bucket: 'reports', Key: 'support-bot/run-1/report.json', ContentType: 'application/json', CacheControl: 'max-age=31536000, immutable' },
      { Bucket: 'reports', Key: 'support-bot/latest/report.json', ContentType: 'application/json', CacheControl: 'no-cache' },
    ]);
    expect(String(inputs[0]?.Body)).toBe('<!DOCTYPE html>');
  });

  it('turns a refused upload into an EnvironmentError naming the object', async () => {
    const outDir = await mkdtemp(path.join(tmpdir(), 'upload-'));
    await writeFile(path.join(outDir, 'report.html'), 'x');
    s3.on(PutObjectCommand).rejects(Object.assign(new Error('denied'), { name: 'AccessDenied' }));

    const failure = uploadReport({ s3: new S3Client({}), bucket: 'reports', bot: 'b', runId: 'r', outDir });

    await expect(failure).rejects.toBeInstanceOf(EnvironmentError);
    await expect(failure).rejects.toThrow('cannot upload the run report to s3://reports/b/r/report.html: AccessDenied');
  });
});
