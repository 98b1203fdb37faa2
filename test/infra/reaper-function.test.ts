import { Match } from 'aws-cdk-lib/assertions';
import { rdsConfig } from '../shared/aws/factories';
import { synthStack } from './synth';

/** The reaper's Lambda timeout, found by its description (one function per name). */
function reaperTimeout(swap: Record<string, unknown>): unknown {
  const { template } = synthStack(rdsConfig({ swap }));
  const functions = template.findResources('AWS::Lambda::Function', { Properties: { Description: Match.stringLikeRegexp('^rehearsal reaper$') } });
  const [reaper, ...others] = Object.values(functions);
  expect(others).toHaveLength(0);
  return (reaper?.['Properties'] as { Timeout?: unknown }).Timeout;
}

describe('the reaper function', () => {
  it('gets 15 minutes in rename mode, where putting staging back waits on RDS renames, and 5 with the DNS swap', () => {
    expect(reaperTimeout({ mode: 'rename' })).toBe(900);
    expect(reaperTimeout({ mode: 'dns', hostedZoneId: 'Z0123456789ABCDEFGHIJ', recordName: 'db.staging.support.internal', ttlSeconds: 30 })).toBe(300);
  });
});
