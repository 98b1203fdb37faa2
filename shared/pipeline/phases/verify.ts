import { describeFinding, verifyDatabase } from '../../verify/verify';
import { EnvironmentError } from '../../errors';
import type { RunContext } from '../context';
import { outcome, type PhaseOutcome } from '../outcome';
import { rulesOfConfig } from '../../anonymize/rule-problems';

/** How many findings a report lists; the count says how many there were in all (up to the scan limit). */
const REPORTED_FINDINGS = 50;

/**
 * Proves no personal value survived in the candidate: fails on any finding (table, column, row key,
 * kind; never the value). On a pass the fingerprints anonymize took are dropped.
 */
export async function runVerify(ctx: RunContext): Promise<PhaseOutcome> {
  const { candidate } = ctx.state;
  if (!candidate) throw new EnvironmentError('verify needs the restore phase to have run first (state.candidate is empty)');
  const result = await verifyDatabase({
    connection: await ctx.providers.database.connection(candidate),
    source: rulesOfConfig(ctx.config),
    key: ctx.maskingKey,
  });
  const figures = { findings: result.findings.length, tablesScanned: result.tablesScanned };
  ctx.metrics.add('PiiFindings', result.findings.length, 'Count', { Phase: 'verify' });
  if (result.findings.length > 0) {
    const first = result.findings[0];
    const where = first ? describeFinding(first) : '';
    return outcome.failed(`${result.findings.length} finding(s), e.g. ${where}`, figures, { findings: result.findings.slice(0, REPORTED_FINDINGS) });
  }
  return outcome.passed(`no original, PII-shaped value or live credential found in ${result.tablesScanned} tables; fingerprints dropped`, figures);
}
