import type { Promotion } from '../db/provider';
import { EnvironmentError } from '../errors';
import { parkedIdentifier, type RenamableDatabase } from './rename-swap';
import { TAGS } from './resources';

/** Where a rename-mode run's databases are expected: the candidate's own identifier and staging's. */
export interface RenameRunDatabases {
  readonly candidateId: string;
  readonly stagingId: string;
  readonly runId: string;
  readonly databaseName: string;
}

/**
 * The rename swap's progress of a run whose state is lost (the execution timed out or was stopped:
 * the reaper gets only its input), read back from what RDS shows, as the `Promotion` the rename
 * swap's rollback resumes from. Undefined when nothing of the run took staging's place, so removing
 * the candidate settles it.
 *
 * - staging's identifier carries this run's `rehearsal:run-id` tag: the candidate was renamed into
 *   staging's place (step `promoting`; the parked database, if any, is the previous one);
 * - the candidate is still under its own identifier and staging is parked, or is not available (being
 *   parked), or the candidate is being renamed (a first refresh): step `parking`, the rollback renames
 *   the parked database back once it can; with staging itself and available, nothing moved;
 * - neither, but staging is parked under this run's name: the candidate is on its way into staging's
 *   name (step `promoting`: the rollback waits until it is there, then renames it back).
 *
 * Never produces a step that would rename a database without this run's tag: a database under
 * staging's name that is not this run's, while staging is parked by this run, is refused.
 */
export async function observedRenamePromotion(databases: RenamableDatabase, run: RenameRunDatabases): Promise<Promotion | undefined> {
  const stagingId = run.stagingId.toLowerCase();
  const parkedId = parkedIdentifier(stagingId, run.runId);
  const candidate = await databases.describeForRename(run.candidateId);
  const staging = await databases.describeForRename(stagingId);
  const parked = await databases.describeForRename(parkedId);
  const ref = (id: string) => ({ id, database: run.databaseName });
  const at = (step: 'parking' | 'promoting'): Promotion => ({
    staging: ref(stagingId), ...(parked ? { previous: ref(parkedId) } : {}), swap: { step, candidate: run.candidateId, runId: run.runId },
  });
  const ours = staging?.tags.some((tag) => tag.Key === TAGS.runId && tag.Value === run.runId) ?? false;
  if (ours) return at('promoting');
  if (candidate) {
    if (parked) return at('parking');
    // Staging still itself and available, or no staging and a candidate not being renamed (a first refresh): nothing moved.
    const untouched = staging ? staging.status === 'available' : candidate.status !== 'renaming';
    return untouched ? undefined : at('parking');
  }
  if (!parked) return undefined;
  if (staging) {
    throw new EnvironmentError(`${parkedId} (staging parked by run ${run.runId}) exists, but ${stagingId} is not this run's candidate and ${run.candidateId} is gone: staging needs a look by hand`);
  }
  return at('promoting');
}
