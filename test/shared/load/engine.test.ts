import type { Conversation } from '../../../shared/converse/model';
import { planLoadSlices } from '../../../shared/load/distributed';
import { runLoadSlice } from '../../../shared/load/engine';
import type { Histogram } from '../../../shared/load/measurement';
import { iterateRecorded } from '../../../shared/load/histograms';
import type { LoadProfileInput } from '../../../shared/load/slice-schema';
import { sustainedBreach } from '../../../shared/load/thresholds';
import { botReplying, closedPortUrl, delay, sendJson, startServer, type TestServer } from '../converse/support/bot-server';

function slice(profile: LoadProfileInput) {
  const [only] = planLoadSlices(profile, 1);
  if (!only) throw new Error('no slice');
  return only;
}

/** How many recorded values are at least `ms` milliseconds. */
function countAtLeast(histogram: Histogram, ms: number): number {
  let count = 0;
  iterateRecorded(histogram, (valueUs, n) => {
    if (valueUs >= ms * 1000) count += n;
  });
  return count;
}

function conversation(name: string, weight: number, says: string[], expectText?: string): Conversation {
  return {
    name, tags: [], weight, data: [], where: { file: `${name}.yaml` },
    turns: says.map((say) => ({ user: { kind: 'text', text: say }, expect: expectText ? [{ kind: 'contains', values: [expectText], mode: 'all' }] : [], thinkMs: 0, capture: [], where: { file: `${name}.yaml` } })),
  };
}

describe('runLoadSlice', () => {
  let server: TestServer;
  afterEach(async () => server.close());

  it('raw mode launches every scheduled arrival once and times each from its intended start and its send', async () => {
    // Prepare: a server that always takes at least 20 ms.
    server = await startServer(async (_request, response) => {
      await delay(20);
      sendJson(response, { ok: true });
    });
    // Act: 50 arrivals per second for 1 s.
    const measurement = await runLoadSlice(slice({ mode: 'raw', phases: [{ durationMs: 1000, arrivalRate: 50 }], connections: 8 }), { target: server.url, conversations: [], runId: 'r' });
    // Assert
    expect(measurement.arrivals).toMatchObject({ scheduled: 50, launched: 50, dropped: 0 });
    expect(server.received).toHaveLength(50);
    const series = measurement.seriesFor('raw', 1);
    expect([series.requests, series.errors, series.response.totalCount, series.service.totalCount]).toEqual([50, 0, 50, 50]);
    // Nothing comes back faster than the server's 20 ms timer (which node may fire up to 1 ms early),
    // and response time never undercuts service time.
    expect(series.service.minNonZeroValue).toBeGreaterThanOrEqual(19_000);
    expect(series.response.maxValue).toBeGreaterThanOrEqual(series.service.maxValue);
  });

  it('counts every completed request in a per-second timeline from the schedule start, failures in the errors beside it', async () => {
    // Prepare: a server that answers every 4th request with a 500.
    let received = 0;
    server = await startServer((_request, response) => {
      received += 1;
      sendJson(response, { ok: received % 4 !== 0 }, received % 4 === 0 ? 500 : 200);
    });
    // Act: 20 arrivals per second for 2 s.
    const measurement = await runLoadSlice(slice({ mode: 'raw', phases: [{ durationMs: 2000, arrivalRate: 20 }], connections: 4 }), { target: server.url, conversations: [], runId: 'r' });
    // Assert: the buckets add up to the requests and the errors, each second's errors are among its requests.
    const { timeline } = measurement.toResult();
    const sum = (counts: readonly number[]) => counts.reduce((total, count) => total + count, 0);
    expect([measurement.requests, measurement.errors]).toEqual([40, 10]);
    expect(timeline && [sum(timeline.requests), sum(timeline.errors)]).toEqual([40, 10]);
    expect(timeline?.errors.every((errors, second) => errors <= (timeline.requests[second] ?? 0))).toBe(true);
    // Nothing is sent before its intended time, so the 20 arrivals of the second second complete in second 1 or later.
    expect(sum(timeline?.requests.slice(1) ?? [])).toBeGreaterThanOrEqual(20);
    // A request completes within the run, so no bucket lies beyond its duration.
    expect(timeline?.requests.length).toBeLessThanOrEqual(Math.floor(measurement.durationMs / 1000) + 1);
  });

  it('corrects coordinated omission: arrivals queued behind a stall count the wait in response time, not in service time', async () => {
    // Prepare: one connection; the first request stalls 600 ms, every other reply is immediate.
    let first = true;
    server = await startServer(async (_request, response) => {
      if (first) {
        first = false;
        await delay(600);
      }
      sendJson(response, { ok: true });
    });
    // Act: 100 arrivals per second for 1 s, so about 60 queue up behind the stall.
    const measurement = await runLoadSlice(slice({ mode: 'raw', phases: [{ durationMs: 1000, arrivalRate: 100 }], connections: 1 }), { target: server.url, conversations: [], runId: 'r' });
    // Assert
    const series = measurement.seriesFor('raw', 1);
    expect(series.requests).toBe(100);
    // About 30 of them wait 300 ms or more; only the stalled request itself takes that long once sent.
    expect(countAtLeast(series.response, 300)).toBeGreaterThanOrEqual(20);
    expect(countAtLeast(series.service, 300)).toBeLessThanOrEqual(2);
  });

  it('runs a weighted conversation mix with series per (conversation, turn) and counts failed assertions as errors', async () => {
    server = await startServer(botReplying((text) => [{ text: text === 'bye' ? 'see you' : `you said ${text}` }]));
    const order = conversation('order', 3, ['hi', 'where is my order'], 'you said');
    const farewell = conversation('farewell', 1, ['bye'], 'you said');
    const measurement = await runLoadSlice(slice({ phases: [{ durationMs: 1000, arrivalRate: 40 }], connections: 4 }), { target: server.url, conversations: [order, farewell], runId: 'r' });
    const orders = measurement.seriesFor('order', 1).requests;
    const farewells = measurement.seriesFor('farewell', 1).requests;
    expect(orders + farewells).toBe(40);
    expect(orders).toBe(30);
    expect(measurement.seriesFor('order', 2).requests).toBe(30);
    expect(measurement.seriesFor('farewell', 1).errors).toBe(10);
    expect(measurement.errorKinds).toEqual({ assertion: 10 });
    expect(measurement.sessions).toEqual({ started: 40, passed: 30, failed: 10, errored: 0 });
  });

  it('feeds each simulated user its own CSV row and records time to first token of streamed replies', async () => {
    // Prepare: an SSE bot that echoes the user's text.
    server = await startServer((request, response) => {
      response.writeHead(200, { 'content-type': 'text/event-stream' });
      response.write(`data: ${JSON.stringify({ messages: [{ text: `hi ${(request.body as { text: string }).text}` }] })}\n\n`);
      response.end('data: [DONE]\n\n');
    });
    const convo = { ...conversation('who', 1, ['I am {{name}}'], 'hi I am'), data: [{ name: 'ada' }, { name: 'bob' }] };
    // Act
    const measurement = await runLoadSlice(slice({ phases: [{ durationMs: 500, arrivalRate: 20 }] }), { target: server.url, conversations: [convo], runId: 'r' });
    // Assert: users 0..9 alternate between the two rows; every reply was streamed.
    const texts = server.received.map((request) => (request.body as { text: string }).text).sort();
    expect(texts).toEqual([...Array<string>(5).fill('I am ada'), ...Array<string>(5).fill('I am bob')]);
    const series = measurement.seriesFor('who', 1);
    expect([series.requests, series.errors, series.firstToken.totalCount]).toEqual([10, 0, 10]);
  });

  it('drops arrivals beyond the pending limit and counts them, never sending them late', async () => {
    server = await startServer(async (_request, response) => {
      await delay(300);
      sendJson(response, { ok: true });
    });
    const measurement = await runLoadSlice(slice({ mode: 'raw', phases: [{ durationMs: 500, arrivalRate: 40 }], connections: 1, maxPendingArrivals: 2 }), { target: server.url, conversations: [], runId: 'r' });
    const { scheduled, launched, dropped } = measurement.arrivals;
    expect(scheduled).toBe(20);
    expect(launched + dropped).toBe(20);
    expect(dropped).toBeGreaterThan(0);
    expect(measurement.requests).toBe(launched);
  });

  it('sends arrivals that waited for a connection oldest first, each timed from its own intended start', async () => {
    // Prepare: one connection and a bot taking 20 ms per turn, so most arrivals wait for the connection.
    server = await startServer(async (request, response) => {
      await delay(20);
      botReplying((text) => [{ text: `you said ${text}` }])(request, response);
    });
    const convo = conversation('one', 1, ['hi'], 'you said');
    // Act: 100 arrivals per second for 0.3 s.
    const measurement = await runLoadSlice(slice({ phases: [{ durationMs: 300, arrivalRate: 100 }], connections: 1 }), { target: server.url, conversations: [convo], runId: 'q' });
    // Assert: every arrival went out once, in arrival order.
    const ids = server.received.map((request) => (request.body as { conversationId: string }).conversationId);
    expect(ids).toEqual(Array.from({ length: 30 }, (_unused, index) => `q-${index}`));
    const series = measurement.seriesFor('one', 1);
    expect([series.requests, series.errors]).toEqual([30, 0]);
    // The last arrival, due at 290 ms, ends after 30 replies of at least 19 ms each (node's timers may
    // fire a millisecond early): timed from its intended start, it took at least 30 * 19 - 290 ms.
    expect(countAtLeast(series.response, 30 * 19 - 290)).toBeGreaterThanOrEqual(1);
    expect(series.service.maxValue).toBeLessThan(series.response.maxValue);
  });

  it('counts arrivals still waiting for a connection when the run stops as dropped, and never sends them', async () => {
    // Prepare: one connection and a bot taking 200 ms, so arrivals pile up; the run is stopped after 300 ms.
    server = await startServer(async (_request, response) => {
      await delay(200);
      sendJson(response, { ok: true });
    });
    const abortWhen = (_measurement: unknown, elapsedMs: number) => (elapsedMs >= 300 ? 'stop' : undefined);
    // Act
    const measurement = await runLoadSlice(slice({ mode: 'raw', phases: [{ durationMs: 3000, arrivalRate: 50 }], connections: 1 }), { target: server.url, conversations: [], runId: 'r', abortWhen, checkIntervalMs: 100 });
    // Assert: the arrivals that went out are the launched ones, the rest of those scheduled were dropped.
    const { scheduled, launched, dropped } = measurement.arrivals;
    expect(measurement.aborted).toBe('stop');
    expect(dropped).toBeGreaterThan(0);
    expect(launched + dropped).toBe(scheduled);
    expect(server.received).toHaveLength(launched);
    expect(measurement.requests).toBe(launched);
  });

  it('marks the run invalid when the generator\'s event loop is blocked', async () => {
    // Prepare: the server lives in the same process and busy-waits 150 ms per request, starving the generator.
    server = await startServer((_request, response) => {
      const until = Date.now() + 150;
      while (Date.now() < until) { /* block the event loop on purpose */ }
      sendJson(response, { ok: true });
    });
    const measurement = await runLoadSlice(slice({ mode: 'raw', phases: [{ durationMs: 1000, arrivalRate: 10 }], connections: 2, maxLagMs: 50 }), { target: server.url, conversations: [], runId: 'r' });
    expect(measurement.invalid).toEqual(expect.arrayContaining([expect.stringMatching(/^generator saturated: event-loop delay p99 \d+\.\d ms exceeded 50 ms/)]));
    expect(measurement.maxLagMs).toBeGreaterThanOrEqual(100);
  });

  it('stops early when the target refuses connections, instead of sending every arrival', async () => {
    server = await startServer(botReplying(() => []));
    const measurement = await runLoadSlice(slice({ mode: 'raw', phases: [{ durationMs: 3000, arrivalRate: 100 }] }), { target: await closedPortUrl(), conversations: [], runId: 'r' });
    expect(measurement.aborted).toMatch(/^target http:\/\/127\.0\.0\.1:\d+ is unreachable: 5 connection failures and no reply; stopped early$/);
    expect(measurement.arrivals.scheduled).toBeLessThan(300);
    expect(measurement.errorKinds.connection).toBeGreaterThanOrEqual(5);
  });

  it('aborts early once a threshold stays breached for the window', async () => {
    server = await startServer(async (_request, response) => {
      await delay(10);
      sendJson(response, { ok: true });
    });
    const abortWhen = sustainedBreach([{ metric: 'p95', operator: '<', limit: 1, source: 'p95 < 1ms', scope: {} }], 0, 5);
    const measurement = await runLoadSlice(slice({ mode: 'raw', phases: [{ durationMs: 5000, arrivalRate: 50 }] }), { target: server.url, conversations: [], runId: 'r', abortWhen, checkIntervalMs: 200 });
    expect(measurement.aborted).toMatch(/^threshold p95 < 1ms \(overall\) breached for \d+ s: actual [\d.]+ ms; stopped early$/);
    expect(measurement.arrivals.scheduled).toBeLessThan(250);
  });
});
