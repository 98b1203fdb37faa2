import { PHASE_PLAN } from '../../../shared/pipeline/phase-plan';
import { PHASE_RUNS, PHASE_TABLE } from '../../../shared/pipeline/phase-table';
import { PHASE_NAMES } from '../../../shared/pipeline/report';

describe('PHASE_TABLE', () => {
  it('lists the nine phases in pipeline order, each once', () => {
    expect(PHASE_TABLE.map((phase) => phase.name)).toEqual([...PHASE_NAMES]);
  });

  it('stops the run on any failure up to and including promote, so a bad candidate never becomes staging', () => {
    const promoteIndex = PHASE_TABLE.findIndex((phase) => phase.name === 'promote');

    expect(PHASE_TABLE.slice(0, promoteIndex + 1).every((phase) => phase.onFailure === 'stop')).toBe(true);
  });

  it('can undo the candidate and the swap, and commits only the swap', () => {
    const withUndo = PHASE_TABLE.filter((phase) => phase.undo).map((phase) => phase.name);
    const withCommit = PHASE_TABLE.filter((phase) => phase.commit).map((phase) => phase.name);

    expect(withUndo).toEqual(['restore', 'promote']);
    expect(withCommit).toEqual(['promote']);
  });

  it('publishes last and whatever happened before', () => {
    expect(PHASE_TABLE.filter((phase) => phase.final).map((phase) => phase.name)).toEqual(['publish']);
    expect(PHASE_TABLE.at(-1)?.name).toBe('publish');
  });

  it('never retries a failed check: only environment errors and named AWS faults', () => {
    for (const phase of PHASE_TABLE) {
      expect(phase.retry.errors).not.toContain('CheckFailedError');
      expect(phase.retry.errors).not.toContain('ProductionWriteBlockedError');
    }
  });

  it('retries anonymize and verify after a lost connection (masking, setting role passwords, searching), since a new call resumes where the candidate and the secrets say it stopped, or searches again', () => {
    expect(PHASE_TABLE.find((phase) => phase.name === 'anonymize')?.retry.errors).toEqual(['EnvironmentError', 'ConnectionLostError', 'CredentialsConnectionLostError']);
    expect(PHASE_TABLE.find((phase) => phase.name === 'verify')?.retry.errors).toEqual(['EnvironmentError', 'VerifyConnectionLostError']);
  });

  it("is the phase plan's rows, in the plan's order, each with its own phase's run and nothing else changed", () => {
    expect(PHASE_TABLE).toHaveLength(PHASE_PLAN.length);
    PHASE_TABLE.forEach((row, index) => {
      const { run, ...spec } = row;

      expect(spec).toStrictEqual(PHASE_PLAN[index]);
      expect(run).toBe(PHASE_RUNS[row.name]);
    });
    expect(new Set(Object.values(PHASE_RUNS)).size).toBe(PHASE_NAMES.length);
  });
});
