import type { Conversation } from '../../../shared/converse/model';
import { exchange } from '../../../shared/converse/http-exchange';
import { planLoadSlices } from '../../../shared/load/distributed';
import { Agent } from 'undici';
import { runLoadSlice } from '../../../shared/load/engine';
import { warmUpLauncher } from '../../../shared/load/launchers';
import type { LoadProfileInput } from '../../../shared/load/slice-schema';
import { warmUp, warmUpArrivals } from '../../../shared/load/warm-up';
import { botReplying, closedPortUrl, startServer, type TestServer } from '../converse/support/bot-server';

function slice(profile: LoadProfileInput) {
  const [only] = planLoadSlices(profile, 1);
  if (!only) throw new Error('no slice');
  return only;
}

function greeting(): Conversation {
  return {
    name: 'greeting', tags: [], weight: 1, data: [], where: { file: 'greeting.yaml' },
    turns: ['hi', 'bye'].map((say) => ({ user: { kind: 'text' as const, text: say }, expect: [{ kind: 'contains' as const, values: ['you said'], mode: 'all' as const }], thinkMs: 0, capture: [], where: { file: 'greeting.yaml' } })),
  };
}

describe('warmUpArrivals', () => {
  it('is one second of a worker\'s share of the peak rate, ramps included', () => {
    expect(warmUpArrivals([{ durationMs: 1000, arrivalRate: 100, rampTo: 400 }, { durationMs: 1000, arrivalRate: 50 }], 2)).toBe(200);
    expect(warmUpArrivals([{ durationMs: 1000, arrivalRate: 3 }], 1)).toBe(3);
  });

  it('is capped for very high rates', () => {
    expect(warmUpArrivals([{ durationMs: 1000, arrivalRate: 1_000_000 }], 1)).toBe(5000);
  });
});

describe('warmUp', () => {
  it('runs every arrival against a server of its own, whatever origin the requests name', async () => {
    // Prepare: requests addressed to a port where nothing listens; only the warm-up's own server can answer them.
    const nowhere = new URL(await closedPortUrl());
    const statuses: number[] = [];
    // Act
    const figures = await warmUp(30, 4, (dispatcher) => async () => {
      const reply = await exchange(dispatcher, { origin: nowhere.origin, path: '/chat', method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"text":"hi"}' });
      statuses.push(reply.statusCode);
    });
    // Assert
    expect(statuses).toEqual(Array<number>(30).fill(200));
    expect(figures?.arrivals).toBe(30);
    expect(figures?.cpuMicros).toBeGreaterThan(0);
  });

  it('does nothing when there is nothing to warm up', async () => {
    let calls = 0;
    const figures = await warmUp(0, 4, () => async () => {
      calls += 1;
    });
    expect([figures, calls]).toEqual([undefined, 0]);
  });

  it('ignores failures: the warm-up only exercises code', async () => {
    const figures = await warmUp(5, 2, () => () => Promise.reject(new Error('bad reply')));
    expect(figures?.arrivals).toBe(5);
  });
});

describe('warmUpLauncher', () => {
  let server: TestServer;
  afterEach(async () => server.close());

  it('never waits out think times, and runs every other arrival without checks so later turns run too', async () => {
    // Prepare: a bot whose reply fails the conversation's assertion; turn 2 thinks for a minute first.
    server = await startServer(botReplying(() => [{ text: 'something else' }]));
    const base = greeting();
    const thinking = { ...base, turns: base.turns.map((turn, index) => ({ ...turn, thinkMs: index === 1 ? 60_000 : 0 })) };
    const agent = new Agent();
    const start = warmUpLauncher(slice({ phases: [{ durationMs: 1000, arrivalRate: 10 }], think: true }), new URL(server.url), [thinking], { target: server.url, runId: 'w' }, agent);
    // Act: arrival 0 runs as checked, arrival 1 without checks.
    await start(0);
    await start(1);
    await agent.close();
    // Assert: the checked one stopped at its failed first turn; the other ran both turns without the minute's wait.
    const ids = server.received.map((request) => (request.body as { conversationId: string }).conversationId);
    expect(ids).toEqual(['w-0', 'w-1', 'w-1']);
  });
});

describe('runLoadSlice warm-up', () => {
  let server: TestServer;
  afterEach(async () => server.close());

  it('warms up before the schedule without sending the target anything beyond the scheduled turns', async () => {
    // Prepare
    server = await startServer(botReplying((text) => [{ text: `you said ${text}` }]));
    // Act: 40 arrivals per second for 1 s, two turns each.
    const measurement = await runLoadSlice(slice({ phases: [{ durationMs: 1000, arrivalRate: 40 }], connections: 4 }), { target: server.url, conversations: [greeting()], runId: 'w' });
    // Assert: one second's worth of arrivals warmed up elsewhere; the target saw exactly the schedule's 80 turns.
    expect(measurement.warmUp?.arrivals).toBe(40);
    expect(server.received).toHaveLength(80);
    expect(new Set(server.received.map((request) => (request.body as { conversationId: string }).conversationId)).size).toBe(40);
    expect(measurement.requests).toBe(80);
    expect(measurement.sessions).toEqual({ started: 40, passed: 40, failed: 0, errored: 0 });
  });

  it('starts cold when asked to', async () => {
    server = await startServer(botReplying((text) => [{ text: `you said ${text}` }]));
    const measurement = await runLoadSlice(slice({ phases: [{ durationMs: 500, arrivalRate: 20 }] }), { target: server.url, conversations: [greeting()], runId: 'w', warmUp: false });
    expect(measurement.warmUp).toBeUndefined();
    expect(server.received).toHaveLength(20);
  });

  it('does not warm up a closed loop, which has no schedule to fall behind', async () => {
    server = await startServer(botReplying(() => [{ text: 'ok' }]));
    const measurement = await runLoadSlice(slice({ mode: 'raw', closedLoop: true, phases: [{ durationMs: 300, arrivalRate: 1000 }], connections: 2 }), { target: server.url, conversations: [], runId: 'w' });
    expect(measurement.warmUp).toBeUndefined();
    expect(server.received).toHaveLength(measurement.requests);
  });
});
