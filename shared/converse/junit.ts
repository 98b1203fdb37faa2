import type { ConverseReport } from './run-conversations';

/**
 * JUnit XML for CI: one test suite, one test case per conversation (class name = its file), a failure
 * element with the first failing assertion and the transcript up to it.
 */
export function toJUnitXml(report: ConverseReport, suiteName = 'rehearsal converse'): string {
  const cases = report.conversations.map((conversation) => {
    const attributes = `classname="${xml(conversation.file)}" name="${xml(conversation.name)}" time="${seconds(conversation.durationMs)}"`;
    if (!conversation.failure) return `    <testcase ${attributes}/>`;
    const { failure } = conversation;
    const where = failure.where ? ` at ${failure.where.file}${failure.where.line === undefined ? '' : `:${failure.where.line}`}` : '';
    const message = `turn ${failure.turn}: ${failure.assertion}: expected ${failure.expected}, got ${failure.actual}`;
    const transcript = conversation.turns.map((turn) => `#${turn.turn} me: ${turn.user}\n#${turn.turn} bot (${turn.latencyMs} ms, ${turn.status}): ${turn.bot}`).join('\n');
    return [
      `    <testcase ${attributes}>`,
      `      <failure message="${xml(message)}" type="${xml(failure.assertion)}">${xml(`${message}${where}\n\n${transcript}`)}</failure>`,
      '    </testcase>',
    ].join('\n');
  });
  const total = report.passed + report.failed;
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="${xml(suiteName)}" tests="${total}" failures="${report.failed}" time="${seconds(report.durationMs)}">`,
    `  <testsuite name="${xml(suiteName)}" tests="${total}" failures="${report.failed}" errors="0" skipped="0" time="${seconds(report.durationMs)}">`,
    ...cases,
    '  </testsuite>',
    '</testsuites>',
    '',
  ].join('\n');
}

function seconds(ms: number): string {
  return (ms / 1000).toFixed(3);
}

/** Escapes text for an XML attribute or element, dropping characters XML 1.0 forbids. */
function xml(text: string): string {
  return text
    // eslint-disable-next-line no-control-regex
    .replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F]/g, '')
    .replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');
}
