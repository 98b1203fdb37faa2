import type { Conversation } from '../../../shared/converse/model';
import { runLoadTest } from '../../../shared/load/run-load';
import { runStress } from '../../../shared/load/stress';
import { EnvironmentError } from '../../../shared/errors';
import { botReplying, closedPortUrl, delay, sendJson, startServer, type TestServer } from '../converse/support/bot-server';

const hello: Conversation = {
  name: 'hello', tags: [], weight: 1, data: [], where: { file: 'hello.yaml' },
  turns: [
    { user: { kind: 'text', text: 'hi' }, expect: [], thinkMs: 0, capture: [], where: { file: 'hello.yaml' } },
    { user: { kind: 'text', text: 'bye' }, expect: [], thinkMs: 0, capture: [], where: { file: 'hello.yaml' } },
  ],
};

describe('runLoadTest', () => {
  let server: TestServer;
  afterEach(async () => server.close());

  it('splits the arrivals over worker threads and merges their histograms into one report', async () => {
    server = await startServer(botReplying(() => [{ text: 'ok' }]));
    const { report } = await runLoadTest({
      runId: 'threads', target: server.url, conversations: [hello], workers: 2,
      // A generous lag limit: this test is about splitting and merging, not about a busy test machine.
      profile: { phases: [{ durationMs: 1000, arrivalRate: 20 }], connections: 4, maxLagMs: 2000 },
      checks: [{ metric: 'errorRate', operator: '<', limit: 0.01, source: 'errorRate < 1%', scope: {} }],
    });
    expect(report).toMatchObject({ workers: 2, requests: 40, errors: 0, passed: true, sessions: { started: 20, passed: 20 } });
    expect(report.arrivals).toMatchObject({ scheduled: 20, launched: 20 });
    expect(report.conversations.map((conversation) => [conversation.name, conversation.turns.map((turn) => turn.requests)])).toEqual([['hello', [20, 20]]]);
    expect(server.received).toHaveLength(40);
    expect(report.thresholds).toEqual([expect.objectContaining({ check: 'errorRate < 1%', scope: 'overall', actual: 0, passed: true })]);
    // The two threads' per-second timelines were summed: every turn is in exactly one second.
    expect(report.timeline?.reduce((sum, point) => sum + point.requests, 0)).toBe(40);
    expect(report.timeline?.every((point, index) => point.errors === 0 && point.t === (report.timeline?.[0]?.t ?? 0) + index * 1000)).toBe(true);
  });

  it('aborts every worker thread early once a threshold stays breached, and fails the report', async () => {
    server = await startServer(async (_request, response) => {
      await delay(10);
      sendJson(response, { messages: [{ text: 'ok' }] });
    });
    const { report } = await runLoadTest({
      runId: 'abort', target: server.url, conversations: [hello], workers: 2, abortAfterMs: 0,
      profile: { phases: [{ durationMs: 10_000, arrivalRate: 50 }] },
      checks: [{ metric: 'p95', operator: '<', limit: 1, source: 'p95 < 1ms', scope: {} }],
    });
    expect(report.passed).toBe(false);
    expect(report.aborted).toMatch(/^threshold p95 < 1ms \(overall\) breached for \d+ s: actual [\d.]+ ms; stopped early$/);
    // 10 s at 50/s would be 500 arrivals; both workers stopped long before.
    expect(report.arrivals.scheduled).toBeLessThan(250);
  });

  it('fails the report when a per-turn threshold breaks, naming the turn', async () => {
    server = await startServer(async (request, response) => {
      if ((request.body as { text: string }).text === 'bye') await delay(500);
      sendJson(response, { messages: [{ text: 'ok' }] });
    });
    const { report } = await runLoadTest({
      runId: 'turns', target: server.url, conversations: [hello],
      profile: { phases: [{ durationMs: 500, arrivalRate: 20 }] },
      checks: [{ metric: 'p95', operator: '<', limit: 400, source: 'p95 < 400ms', scope: { each: 'turn' } }],
    });
    expect(report.passed).toBe(false);
    const [first, second] = report.thresholds;
    expect([first?.scope, second?.scope, second?.passed]).toEqual(['hello / turn 1', 'hello / turn 2', false]);
    // The bot answers turn 2 at least 500 ms late; turn 1 at once.
    expect(second?.actual).toBeGreaterThanOrEqual(500);
    expect(first?.actual).toBeLessThan(second?.actual ?? 0);
  });

  it('throws EnvironmentError before sending anything when the target is unreachable', async () => {
    server = await startServer(botReplying(() => []));
    const url = await closedPortUrl();
    const error = await runLoadTest({ runId: 'x', target: url, conversations: [hello], profile: { phases: [{ durationMs: 1000, arrivalRate: 10 }] } }).catch((thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(EnvironmentError);
    expect((error as Error).message).toBe(`the target ${new URL(url).origin} is unreachable (ECONNREFUSED); no load was sent`);
  });
});

describe('runStress', () => {
  let server: TestServer;
  afterEach(async () => server.close());

  it('raises the rate until the error rate breaks and reports the last rate that held', async () => {
    // Prepare: a bot that starts failing once it is asked more than 25 times in total.
    let served = 0;
    server = await startServer((_request, response) => {
      served += 1;
      sendJson(response, { messages: [{ text: 'ok' }] }, served > 25 ? 503 : 200);
    });
    const single = { ...hello, turns: hello.turns.slice(0, 1) };
    // Act: 10/s, 20/s, 30/s for 1 s each: 10 then 20 arrivals; the 26th request onwards fails.
    const stress = await runStress({ startRate: 10, step: 10, stepDurationMs: 1000, maxRate: 30 }, { runId: 's', target: server.url, conversations: [single], profile: {} });
    // Assert
    expect(stress.capacity).toBe(10);
    expect(stress.brokeAt).toBe(20);
    expect(stress.breach).toMatchObject({ check: 'errorRate < 1%', scope: 'overall', slowestTurn: 'hello / turn 1' });
    expect(stress.steps.map((step) => [step.rate, step.passed, step.report.requests])).toEqual([[10, true, 10], [20, false, 20]]);
  });
});
