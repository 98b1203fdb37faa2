import { runLoadTest } from '../../../shared/load/run-load';
import { loadOutcome } from '../../../shared/pipeline/phases/load';
import { renderReportHtml } from '../../../shared/report/render';
import { sendJson, startServer } from '../converse/support/bot-server';
import { makeExtras, makeRunReport } from './fixtures';

describe('renderReportHtml', () => {
  it('puts the verdict first, before the phase timeline', () => {
    const html = renderReportHtml(makeRunReport(), makeExtras());

    expect(html.indexOf('<h1>FAILED</h1>')).toBeGreaterThan(0);
    expect(html.indexOf('<h1>FAILED</h1>')).toBeLessThan(html.indexOf('Phase timeline'));
    expect(html).toContain('<li><strong>reconcile</strong>: config drift: 1 secret(s) equal to production&#39;s</li>');
    expect(html).toContain('rolled-back');
  });

  it('is self-contained: no script, no external stylesheet, font, image or link', () => {
    const html = renderReportHtml(makeRunReport(), makeExtras());

    expect(html).not.toMatch(/<script/i);
    expect(html).not.toMatch(/@import|@font-face|url\(/i);
    expect(html).not.toMatch(/\b(src|href)="(https?:)?\/\//i);
    expect(html).toContain("default-src 'none'");
  });

  it('shows coverage per table, the parity table with fingerprints and the failing conversation with its transcript', () => {
    const html = renderReportHtml(makeRunReport(), makeExtras());

    expect(html).toMatch(/<td>public\.users<\/td><td>200<\/td><td>3<\/td><td>2<\/td>/);
    expect(html).toContain('<td>OPENAI_API_KEY</td><td><span class="kind leakedSecret">leakedSecret</span></td>');
    expect(html).toContain('fp:0123456789ab');
    expect(html).toContain('1 of 2 conversations passed.');
    expect(html).toContain('email-on-file');
    expect(html).toContain('It is &lt;b&gt;jane@example.com&lt;/b&gt;');
    expect(html).toContain('✗ reply must not contain a real address');
    expect(html).not.toContain('<details open><summary><span class="badge failed">failed</span> order-status');
  });

  it('draws latency, per-turn percentiles, resources and throughput as inline SVG, and lists staging errors escaped', () => {
    const html = renderReportHtml(makeRunReport(), makeExtras());

    expect(html).toContain('Load latency distribution (100 replies; p50 5 ms, p95 20 ms, p99 80 ms)');
    expect(html).toContain('aria-label="Per-turn latency percentiles"');
    expect(html).toContain('aria-label="example bot process CPU (Percent)"');
    expect(html).toContain('aria-label="Requests over time"');
    expect(html).toContain('2 error line(s) in bot.log during the checks (first 1 shown).');
    expect(html).toContain('&lt;db&gt; timeout');
  });

  it('charts throughput over time from a real load phase\'s details: one point per second for requests and for errors', async () => {
    // Prepare: a real load run against a 127.0.0.1 server that fails every 5th request, turned into the phase's outcome.
    let received = 0;
    const server = await startServer((_request, response) => {
      received += 1;
      sendJson(response, { ok: true }, received % 5 === 0 ? 500 : 200);
    });
    const { report: load } = await runLoadTest({ runId: 'render', target: server.url, conversations: [], profile: { mode: 'raw', phases: [{ durationMs: 1500, arrivalRate: 20 }], connections: 2, maxLagMs: 2000 } }).finally(() => server.close());
    const phase = loadOutcome(load);
    const points = (phase.status === 'pending' ? undefined : (phase.details as { timeline?: unknown[] }).timeline) ?? [];
    // Act
    const html = renderReportHtml(makeRunReport({}, { load: { ...phase, status: phase.status === 'pending' ? 'failed' : phase.status } }), {});
    // Assert: the chart's two lines have one vertex per second of the timeline, and the errors are among them.
    const section = /<section id="throughput">[\s\S]*?<\/section>/.exec(html)?.[0] ?? '';
    expect(load.errors).toBe(6);
    expect(points.length).toBeGreaterThanOrEqual(1);
    expect(section).toContain('aria-label="Requests over time"');
    expect(section).toContain('<tspan>requests  </tspan>');
    expect(section).toContain('<tspan>errors  </tspan>');
    const lines = [...section.matchAll(/<path d="([^"]+)"/g)].map((match) => (match[1] ?? '').split(/[ML]/).filter(Boolean).length);
    expect(lines).toEqual([points.length, points.length]);
    expect(section).not.toContain('no throughput timeline was recorded');
  });

  it('never crashes on unexpected detail shapes and says what it could not show', () => {
    const odd = [42, null, 'text', [1, 2], { tables: 5 }, { conversations: [null, { turns: 'x' }] }, { drift: 'x' }, { timeline: [{ foo: 1 }] }];
    for (const details of odd) {
      const report = makeRunReport({}, { anonymize: { details }, reconcile: { details }, converse: { details }, load: { details } });

      const html = renderReportHtml(report, {});

      expect(html).toContain('<h1>FAILED</h1>');
      expect(html).toContain('anonymize: passed, anonymize done');
      expect(html).toContain('no latency was recorded');
    }
  });

  it('reads the converse phase\'s failures list with transcripts and the failing assertion, counting from its figures', () => {
    const report = makeRunReport({}, {
      converse: {
        status: 'failed', figures: { conversations: 5, passed: 4, failed: 1 },
        details: { failures: [{ name: 'email-on-file', file: 'convos/email.convo.yaml', failure: { turn: 2, assertion: 'notContains', expected: '@example.com', actual: 'jane@example.com' }, transcript: [
          { turn: 1, user: 'hi', bot: 'hello', latencyMs: 3, status: 'passed' },
          { turn: 2, user: 'my email?', bot: 'jane@example.com', latencyMs: 4, status: 'failed' },
        ] }] },
      },
      load: { details: { thresholds: [] }, figures: { throughput: 42.5, requests: 850, errors: 0 } },
    });

    const html = renderReportHtml(report, {});

    expect(html).toContain('4 of 5 conversations passed.');
    expect(html).toContain('email-on-file: turn 2: notContains expected @example.com, got jane@example.com');
    expect(html).toMatch(/<div class="turn failed">\s*<div class="who">turn 2 · 4 ms<\/div>/);
    expect(html).toContain('<td>throughput</td><td>42.5</td>');
    expect(html).toContain('no throughput timeline was recorded');
  });

  it('counts conversations from the figures when a passing converse phase has no details', () => {
    const html = renderReportHtml(makeRunReport({}, { converse: { status: 'passed', details: undefined, figures: { conversations: 2, passed: 2, failed: 0 } } }), {});

    expect(html).toContain('2 of 2 conversations passed.');
  });

  it('sums a metric recorded overall and per turn from the overall datapoints only', () => {
    const datum = (value: number, dimensions: Record<string, string>) => ({ name: 'Requests', unit: 'Count' as const, values: [value], dimensions, timestamp: 0 });

    const html = renderReportHtml(makeRunReport(), { metrics: [datum(200, { Phase: 'load' }), datum(120, { Conversation: 'a', Turn: '1' }), datum(80, { Conversation: 'b', Turn: '1' })] });

    expect(html).toContain('<td>Requests</td><td>Count</td><td>1</td><td>200</td>');
  });

  it('escapes everything that comes from the run', () => {
    const html = renderReportHtml(makeRunReport({ bot: '<img src=x onerror=alert(1)>' }, { snapshot: { summary: '<script>alert(1)</script>' } }), {});

    expect(html).not.toContain('<script>alert(1)</script>');
    expect(html).not.toContain('<img src=x');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
  });
});
