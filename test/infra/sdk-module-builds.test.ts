import { build } from 'esbuild';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { BUNDLING, bundleOptions, PROJECT_ROOT } from '../../infra/pipeline/bundling';

const run = promisify(execFile);

/**
 * An entry that calls three AWS APIs (three protocols: RDS query/XML, S3 REST/XML, Secrets Manager
 * JSON) against a local server standing in for AWS, and prints what each request looked like on the
 * wire and what the client parsed from each canned reply.
 */
const PROBE = `
import http from 'node:http';
import { DescribeDBInstancesCommand, RDSClient } from '@aws-sdk/client-rds';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
const REPLIES = {
  rds: '<DescribeDBInstancesResponse xmlns="http://rds.amazonaws.com/doc/2014-10-31/"><DescribeDBInstancesResult><DBInstances><DBInstance><DBInstanceIdentifier>support-staging</DBInstanceIdentifier><DBInstanceStatus>available</DBInstanceStatus><Endpoint><Address>db.local</Address><Port>5432</Port></Endpoint><TagList><Tag><Key>rehearsal</Key><Value>yes</Value></Tag></TagList></DBInstance></DBInstances></DescribeDBInstancesResult></DescribeDBInstancesResponse>',
  secrets: JSON.stringify({ ARN: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:s', Name: 's', SecretString: '{"k":1}', VersionStages: ['AWSCURRENT'] }),
};
export const handler = async () => {
  const requests = [];
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (chunk) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString();
      requests.push({ method: req.method, url: req.url, contentType: req.headers['content-type'] ?? '', target: req.headers['x-amz-target'] ?? '', body });
      if (req.url.startsWith('/reports')) { res.setHeader('ETag', '"e1"'); res.end(); return; }
      const json = Boolean(req.headers['x-amz-target']);
      res.setHeader('content-type', json ? 'application/x-amz-json-1.1' : 'text/xml');
      res.end(json ? REPLIES.secrets : REPLIES.rds);
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(undefined)));
  const endpoint = 'http://127.0.0.1:' + server.address().port;
  const options = { region: 'eu-west-1', endpoint, credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' }, maxAttempts: 1 };
  const rds = await new RDSClient(options).send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: 'support-staging' }));
  const s3 = await new S3Client({ ...options, forcePathStyle: true }).send(new PutObjectCommand({ Bucket: 'reports', Key: 'bot/run/phases/load.json', Body: '{"a":1}', ContentType: 'application/json' }));
  const secret = await new SecretsManagerClient(options).send(new GetSecretValueCommand({ SecretId: 's' }));
  server.close();
  return { requests, replies: [rds.DBInstances, s3.ETag, secret.SecretString, secret.VersionStages] };
};
`;

async function probeWith(dir: string, mainFields: readonly string[]): Promise<unknown> {
  const outfile = path.join(dir, mainFields.join('-'), 'index.js');
  // The probe lives outside the repository: packages resolve from the repository's node_modules.
  await build({ ...bundleOptions(), mainFields: [...mainFields], nodePaths: [path.join(PROJECT_ROOT, 'node_modules')], entryPoints: [path.join(dir, 'probe.ts')], outfile });
  const { stdout } = await run(process.execPath, ['-e', `require(${JSON.stringify(outfile)}).handler().then((r) => process.stdout.write(JSON.stringify(r)))`], { env: { PATH: process.env['PATH'] ?? '', AWS_SDK_JS_SUPPRESS_MAINTENANCE_MODE_MESSAGE: '1' } });
  return { result: JSON.parse(stdout) as unknown, bytes: readFileSync(outfile).length };
}

describe('the AWS SDK bundled from its ES module builds (mainFields module first)', () => {
  it('sends the same requests and parses the same replies as the CommonJS builds, in a smaller bundle', async () => {
    // Prepare
    const dir = mkdtempSync(path.join(os.tmpdir(), 'rehearsal-sdk-builds-'));
    writeFileSync(path.join(dir, 'probe.ts'), PROBE);

    // Act
    const commonJs = await probeWith(dir, ['main', 'module']) as { result: { requests: unknown[]; replies: unknown[] }; bytes: number };
    const modules = await probeWith(dir, BUNDLING.mainFields) as typeof commonJs;

    // Assert
    expect(BUNDLING.mainFields[0]).toBe('module');
    expect(modules.result).toEqual(commonJs.result);
    expect(modules.result.requests).toEqual([
      expect.objectContaining({ method: 'POST', url: '/', body: 'Action=DescribeDBInstances&Version=2014-10-31&DBInstanceIdentifier=support-staging' }),
      expect.objectContaining({ method: 'PUT', url: '/reports/bot/run/phases/load.json?x-id=PutObject', contentType: 'application/json', body: '{"a":1}' }),
      expect.objectContaining({ method: 'POST', url: '/', target: 'secretsmanager.GetSecretValue', body: '{"SecretId":"s"}' }),
    ]);
    expect(modules.result.replies).toEqual([
      [{ DBInstanceIdentifier: 'support-staging', DBInstanceStatus: 'available', Endpoint: { Address: 'db.local', Port: 5432 }, TagList: [{ Key: 'rehearsal', Value: 'yes' }] }],
      '"e1"', '{"k":1}', ['AWSCURRENT'],
    ]);
    expect(modules.bytes).toBeLessThan(commonJs.bytes);
  });
});
