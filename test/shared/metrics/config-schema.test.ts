import { metricsSchema, notificationsSchema } from '../../../shared/metrics/config-schema';

describe('metricsSchema', () => {
  it('defaults the namespace and accepts a staging log file or a log group with a default error filter', () => {
    expect(metricsSchema.parse(undefined)).toEqual({ namespace: 'Rehearsal' });
    expect(metricsSchema.parse({ stagingLog: { file: 'bot.log' } })).toEqual({ namespace: 'Rehearsal', stagingLog: { file: 'bot.log' } });
    expect(metricsSchema.parse({ stagingLog: { logGroup: '/bot/staging' } }).stagingLog).toEqual({ logGroup: '/bot/staging', filterPattern: '{ $.level = "error" }' });
  });
});

describe('notificationsSchema', () => {
  it('reads the staleness window as a duration, 26 hours by default', () => {
    expect(notificationsSchema.parse({}).staleAfter).toBe(26 * 3_600_000);
    expect(notificationsSchema.parse({ staleAfter: '6h' }).staleAfter).toBe(6 * 3_600_000);
  });

  it('rejects a plain-HTTP endpoint and a malformed email, naming each', () => {
    const result = notificationsSchema.safeParse({ emails: ['nope'], httpsEndpoint: 'http://events.example.com' });

    expect(result.success).toBe(false);
    expect(result.error?.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`)).toEqual([
      'emails.0: invalid email address "nope"',
      'httpsEndpoint: expected an https:// URL',
    ]);
  });
});
