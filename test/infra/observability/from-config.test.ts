import { stringify } from 'yaml';
import { observabilityPropsFromConfig } from '../../../infra/observability/from-config';
import { parseYamlDocument } from '../../../shared/config/load';
import { configSchema } from '../../../shared/config/schema';
import { makeConfigInput } from '../../support/config-factory';

describe('observabilityPropsFromConfig', () => {
  it('takes the namespace, notifications and load thresholds from the config, the error ratio as a percentage', () => {
    // Prepare
    const config = parseYamlDocument(stringify(makeConfigInput({
      converse: { target: 'http://127.0.0.1:1/chat', convos: ['convos/*.yaml'] },
      load: { phases: [{ duration: '5s', arrivalRate: 5 }], thresholds: { p95: '800ms', p99: '2s', errorRate: 0.01 } },
      metrics: { namespace: 'Bots', notifications: { emails: ['oncall@example.com'], staleAfter: '12h', reportBaseUrl: 'https://reports.example.com' } },
    } as never)), configSchema);

    // Act
    const props = observabilityPropsFromConfig(config);

    // Assert
    expect(props).toEqual({
      namespace: 'Bots', bot: 'support-bot', environment: 'staging',
      notifications: { emails: ['oncall@example.com'], staleAfter: 12 * 3_600_000, reportBaseUrl: 'https://reports.example.com' },
      reportBaseUrl: 'https://reports.example.com',
      thresholds: { p95Ms: 800, p99Ms: 2000, errorRatePercent: 1 },
    });
  });

  it('gives no thresholds and no notifications when the config has none', () => {
    const config = parseYamlDocument(stringify(makeConfigInput()), configSchema);

    expect(observabilityPropsFromConfig(config)).toEqual({ namespace: 'Rehearsal', bot: 'support-bot', environment: 'staging', thresholds: {} });
  });
});
