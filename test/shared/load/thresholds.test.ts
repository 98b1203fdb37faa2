import { LoadMeasurement } from '../../../shared/load/measurement';
import { evaluateThresholds, parseThresholdExpression, sustainedBreach, type ThresholdCheck } from '../../../shared/load/thresholds';
import { loadSchema, thresholdChecksOf } from '../../../shared/load/config-schema';

/** order turn 1: 100 replies of 10 ms; order turn 2: 88 of 10 ms and 12 of 1000 ms (2 errors); faq: 50 of 5 ms. */
function measurement(): LoadMeasurement {
  const m = new LoadMeasurement();
  for (let i = 0; i < 100; i += 1) m.record('order', 1, 10, 10);
  for (let i = 0; i < 100; i += 1) m.record('order', 2, i < 88 ? 10 : 1000, 10, i < 2 ? 'http' : undefined);
  for (let i = 0; i < 50; i += 1) m.record('faq', 1, 5, 5);
  return m;
}

const check = (text: string, scope: ThresholdCheck['scope'] = {}): ThresholdCheck => {
  const parsed = parseThresholdExpression(text);
  if (typeof parsed === 'string') throw new Error(parsed);
  return { ...parsed, source: text, scope };
};

describe('parseThresholdExpression', () => {
  it('reads percentiles with durations and error rates as percentages or ratios', () => {
    expect(parseThresholdExpression('p95 < 800ms')).toEqual({ metric: 'p95', operator: '<', limit: 800 });
    expect(parseThresholdExpression('p99<2s')).toEqual({ metric: 'p99', operator: '<', limit: 2000 });
    expect(parseThresholdExpression('errorRate <= 1%')).toEqual({ metric: 'errorRate', operator: '<=', limit: 0.01 });
    expect(parseThresholdExpression('errorRate < 0.05')).toEqual({ metric: 'errorRate', operator: '<', limit: 0.05 });
  });

  it('says what is expected for a malformed expression', () => {
    expect(parseThresholdExpression('p42 < 1s')).toMatch(/^invalid threshold "p42 < 1s", expected "<metric> < <limit>" with a metric of p50, p90/);
    expect(parseThresholdExpression('p95 < fast')).toMatch(/^invalid limit "fast" in "p95 < fast", expected a duration such as 800ms/);
  });
});

describe('evaluateThresholds', () => {
  it('judges overall, per conversation, per turn and each turn from merged histograms', () => {
    const results = evaluateThresholds([
      check('errorRate < 1%'),
      check('p95 < 800ms', { conversation: 'order' }),
      check('p95 < 800ms', { conversation: 'order', turn: 1 }),
      check('p99 < 2s', { each: 'turn' }),
    ], measurement());
    expect(results.map((result) => [result.check, result.scope, result.passed, result.requests])).toEqual([
      ['errorRate < 1%', 'overall', true, 250],
      // order as a whole: 12 of 200 replies (6%) took 1 s, so its p95 is 1 s.
      ['p95 < 800ms', 'order', false, 200],
      ['p95 < 800ms', 'order / turn 1', true, 100],
      ['p99 < 2s', 'faq / turn 1', true, 50],
      ['p99 < 2s', 'order / turn 1', true, 100],
      ['p99 < 2s', 'order / turn 2', true, 100],
    ]);
    expect(results[0]?.actual).toBeCloseTo(2 / 250, 6);
    expect(results[1]?.actual).toBeCloseTo(1000, -1);
  });

  it('counts each dropped arrival as a failed request in the overall error rate only', () => {
    const m = measurement();
    m.arrivals.dropped = 3;

    const results = evaluateThresholds([check('errorRate < 1%'), check('errorRate < 1%', { conversation: 'order' })], m);

    expect(results.map((result) => [result.scope, result.passed, result.requests])).toEqual([['overall', false, 253], ['order', false, 200]]);
    expect(results[0]?.actual).toBeCloseTo(5 / 253, 6);
    expect(results[1]?.actual).toBeCloseTo(2 / 200, 6);
  });

  it('builds checks from the config keys and rules, in order', () => {
    const config = loadSchema.parse({
      phases: [{ duration: '10s', arrivalRate: 5 }],
      thresholds: { p95: '800ms', errorRate: 0.01, checks: ['p99 < 2s', { check: 'p95 < 500ms', conversation: 'order', turn: 2 }, { check: 'max < 5s', each: 'conversation' }] },
    });
    expect(thresholdChecksOf(config.thresholds).map((item) => [item.source, item.scope])).toEqual([
      ['p95 < 800ms', {}], ['errorRate < 1%', {}], ['p99 < 2s', {}], ['p95 < 500ms', { conversation: 'order', turn: 2 }], ['max < 5s', { each: 'conversation' }],
    ]);
  });

  it('rejects a malformed threshold in config with its path', () => {
    const result = loadSchema.safeParse({ phases: [{ duration: '1s', arrivalRate: 1 }], thresholds: { checks: ['p95 > 1s'] } });
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.path).toEqual(['thresholds', 'checks', 0]);
  });
});

describe('sustainedBreach', () => {
  it('gives a reason only once a breach has lasted the whole window, and forgets a breach that healed', () => {
    const breached = measurement();
    const healthy = new LoadMeasurement();
    for (let i = 0; i < 30; i += 1) healthy.record('order', 1, 10, 10);
    const judge = sustainedBreach([check('p95 < 800ms', { conversation: 'order' })], 2000, 20);
    expect(judge(breached, 1000)).toBeUndefined();
    expect(judge(healthy, 2000)).toBeUndefined();
    expect(judge(breached, 3000)).toBeUndefined();
    expect(judge(breached, 5000)).toMatch(/^threshold p95 < 800ms \(order\) breached for 2 s: actual [\d.]+ ms; stopped early$/);
  });
});
