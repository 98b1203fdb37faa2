/** The report's stylesheet, inlined: system fonts only, so nothing is fetched. */
export const REPORT_CSS = `
:root { --ok: #15803d; --bad: #b91c1c; --muted: #6b7280; --line: #e5e7eb; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #111827; background: #f9fafb; }
header.verdict { padding: 20px 32px; color: #fff; }
header.verdict.passed { background: var(--ok); }
header.verdict.failed { background: var(--bad); }
header.verdict h1 { margin: 0 0 6px; font-size: 32px; letter-spacing: 1px; }
header.verdict p, header.verdict ul { margin: 4px 0; }
header.verdict code { background: rgba(255,255,255,.2); padding: 0 4px; border-radius: 3px; }
nav { padding: 8px 32px; background: #fff; border-bottom: 1px solid var(--line); }
nav a { color: #1d4ed8; text-decoration: none; }
main { padding: 8px 32px 32px; }
section { background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 12px 20px; margin: 16px 0; overflow-x: auto; }
h2 { margin: 4px 0 12px; font-size: 18px; }
h3 { margin: 8px 0; font-size: 15px; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: 4px 8px; border-bottom: 1px solid var(--line); vertical-align: top; }
th { background: #f3f4f6; font-weight: 600; }
.badge { display: inline-block; padding: 0 8px; border-radius: 10px; font-size: 12px; font-weight: 600; background: #e5e7eb; }
.badge.passed { background: #dcfce7; color: var(--ok); }
.badge.failed { background: #fee2e2; color: var(--bad); }
.badge.skipped, .badge.not-run { color: var(--muted); }
.kind { font-weight: 600; }
.kind.leakedSecret { color: var(--bad); }
.muted { color: var(--muted); }
.warning { color: #92400e; }
.grid { display: grid; grid-template-columns: repeat(auto-fit, minmax(560px, 1fr)); gap: 16px; }
figure { margin: 8px 0; }
figcaption { font-weight: 600; margin-bottom: 4px; }
svg.chart { max-width: 100%; height: auto; font-family: inherit; }
svg .bar.passed { fill: #22c55e; } svg .bar.failed { fill: #ef4444; } svg .bar.skipped { fill: #d1d5db; }
details { border: 1px solid var(--line); border-radius: 6px; margin: 8px 0; padding: 6px 10px; }
summary { cursor: pointer; font-weight: 600; }
.turn { border-left: 3px solid var(--line); margin: 8px 0; padding: 2px 10px; }
.turn.failed { border-left-color: var(--bad); }
.turn .who { color: var(--muted); font-size: 12px; }
ul.failures li { white-space: pre-wrap; }
.turn .me { white-space: pre-wrap; }
.turn .me::before { content: "user: "; color: var(--muted); }
.turn .bot { white-space: pre-wrap; }
.turn .bot::before { content: "bot: "; color: var(--muted); }
.turn .assertion { color: var(--bad); font-weight: 600; }
pre.log { background: #111827; color: #f9fafb; padding: 10px; border-radius: 6px; overflow-x: auto; font-size: 12px; }
footer { color: var(--muted); padding: 0 32px 24px; font-size: 12px; }
`;
