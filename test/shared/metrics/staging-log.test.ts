import { FilterLogEventsCommand, CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { mockClient } from 'aws-sdk-client-mock';
import { cloudWatchStagingLog } from '../../../shared/metrics/cloudwatch-staging-log';
import { fileStagingLog } from '../../../shared/metrics/staging-log';
import { EnvironmentError } from '../../../shared/errors';

const window = { startMs: Date.parse('2026-01-01T10:00:00Z'), endMs: Date.parse('2026-01-01T10:05:00Z') };

describe('fileStagingLog', () => {
  it('counts error lines inside the window and ignores other levels, other times and non-JSON lines', async () => {
    // Prepare
    const dir = await mkdtemp(path.join(tmpdir(), 'staging-log-'));
    const file = path.join(dir, 'bot.log');
    await writeFile(file, [
      JSON.stringify({ level: 'error', time: '2026-01-01T10:01:00Z', msg: 'db timeout' }),
      JSON.stringify({ level: 'info', time: '2026-01-01T10:01:00Z', msg: 'ok' }),
      JSON.stringify({ level: 'error', time: '2026-01-01T09:00:00Z', msg: 'before the window' }),
      JSON.stringify({ level: 50, time: Date.parse('2026-01-01T10:02:00Z'), msg: 'pino error' }),
      'plain text error line',
      JSON.stringify({ level: 'ERROR', msg: 'no time' }),
      '',
    ].join('\n'));

    // Act
    const errors = await fileStagingLog(file).countErrors(window);

    // Assert
    expect(errors.count).toBe(3);
    expect(errors.source).toBe(file);
    expect(errors.lines.map((line) => (JSON.parse(line) as { msg: string }).msg)).toEqual(['db timeout', 'pino error', 'no time']);
  });

  it('throws an EnvironmentError naming a missing file', async () => {
    const failure = fileStagingLog('/nonexistent/bot.log').countErrors(window);

    await expect(failure).rejects.toBeInstanceOf(EnvironmentError);
    await expect(failure).rejects.toThrow("cannot read staging's log file /nonexistent/bot.log (ENOENT)");
  });
});

describe('cloudWatchStagingLog', () => {
  const logs = mockClient(CloudWatchLogsClient);
  beforeEach(() => logs.reset());

  it('follows every FilterLogEvents page with the window and the filter pattern', async () => {
    // Prepare
    logs.on(FilterLogEventsCommand)
      .resolvesOnce({ events: [{ message: 'e1\n' }, { message: 'e2' }], nextToken: 'page2' })
      .resolvesOnce({ events: [{ message: 'e3' }] });

    // Act
    const errors = await cloudWatchStagingLog({ logs: new CloudWatchLogsClient({}), logGroup: '/bot/staging', filterPattern: '{ $.level = "error" }' }).countErrors(window);

    // Assert
    expect(errors).toEqual({ source: '/bot/staging', count: 3, lines: ['e1', 'e2', 'e3'] });
    const inputs = logs.commandCalls(FilterLogEventsCommand).map((call) => call.args[0].input);
    expect(inputs).toEqual([
      { logGroupName: '/bot/staging', filterPattern: '{ $.level = "error" }', startTime: window.startMs, endTime: window.endMs },
      { logGroupName: '/bot/staging', filterPattern: '{ $.level = "error" }', startTime: window.startMs, endTime: window.endMs, nextToken: 'page2' },
    ]);
  });

  it('turns a refused call into an EnvironmentError naming the log group', async () => {
    logs.on(FilterLogEventsCommand).rejects(Object.assign(new Error('denied'), { name: 'AccessDeniedException' }));

    await expect(cloudWatchStagingLog({ logs: new CloudWatchLogsClient({}), logGroup: '/bot/staging', filterPattern: 'x' }).countErrors(window))
      .rejects.toThrow("cannot read staging's log group /bot/staging: AccessDeniedException");
  });
});
