import type { Tag } from '@aws-sdk/client-rds';
import { z } from 'zod';
import type { DatabaseRef, Progress, Promotion } from '../db/provider';
import { EnvironmentError } from '../errors';
import type { DatabaseClients } from './clients';
import { pointSecretAt } from './dns-swap';
import { TAGS } from './resources';

/** How often to look at a database being renamed (RDS takes a few minutes, a reboot included). */
export const RENAME_POLL_MS = 30_000;

/** What the rename swap needs from a provider: look at a database by identifier, and rename one. */
export interface RenamableDatabase {
  /** The database's status, endpoint and tags; undefined when no database has this identifier (now). */
  describeForRename(id: string): Promise<{ status: string; host?: string; tags: readonly Tag[] } | undefined>;
  /** Starts renaming `id` to `newId` (`NewDBInstanceIdentifier` / `NewDBClusterIdentifier`, applied immediately). */
  rename(id: string, newId: string): Promise<void>;
  /** Deletes a database rehearsal created. Idempotent. */
  remove(id: string): Promise<void>;
}

/**
 * The steps of a rename swap, recorded in `promotion.swap.step` after each call so promote and rollback
 * resume from state: promote goes parking → promoting → promoted; rollback goes from whatever step was
 * reached through unpromoting → unparking → rolled-back.
 */
const renameProgress = z.object({
  step: z.enum(['parking', 'promoting', 'promoted', 'unpromoting', 'unparking', 'rolled-back']),
  /** The candidate's own identifier: where it goes back to on rollback, to be deleted there. */
  candidate: z.string().min(1),
  runId: z.string().min(1),
});
type RenameProgress = z.infer<typeof renameProgress>;

/** `<staging>-previous-<first 8 of the run id>`, staging's part shortened to fit RDS's 63 characters. */
export function parkedIdentifier(stagingId: string, runId: string): string {
  const suffix = `-previous-${runId.toLowerCase().replace(/[^a-z0-9]/g, '').slice(0, 8)}`;
  const head = stagingId.toLowerCase().slice(0, 63 - suffix.length).replace(/-+$/, '');
  return `${head}${suffix}`;
}

/**
 * The swap for teams without private DNS: staging's identifier (so its endpoint) stays the same and
 * the databases change places under it. Promote renames staging to a parked name, waits until it is
 * available there, renames the candidate to staging's identifier and waits again. Rollback reverses
 * whatever step was reached, then deletes the candidate; commit (the provider's) deletes the parked database. Every wait is a
 * pending result, never a sleep. Applications see staging unreachable for the minutes of the renames.
 */
export class RenameSwap {
  constructor(
    private readonly clients: DatabaseClients,
    private readonly staging: { readonly identifier: string; readonly secretArn: string; readonly port: number; readonly databaseName: string },
    private readonly databases: RenamableDatabase,
  ) {}

  async promote(candidate: DatabaseRef, pending?: Promotion): Promise<Progress<Promotion>> {
    const stagingId = this.staging.identifier.toLowerCase();
    const ref = (id: string): DatabaseRef => ({ id, database: this.staging.databaseName });
    if (!pending?.swap) {
      const found = await this.databases.describeForRename(candidate.id);
      const runId = found?.tags.find((tag) => tag.Key === TAGS.runId)?.Value;
      if (!found || runId === undefined) throw new EnvironmentError(`candidate ${candidate.id} does not exist or has no ${TAGS.runId} tag: nothing to promote`);
      const parked = parkedIdentifier(stagingId, runId);
      const progress: RenameProgress = { step: 'parking', candidate: candidate.id, runId };
      // A retried call finds staging already parked (or being parked) and resumes instead of losing it.
      if (await this.databases.describeForRename(parked)) return this.#wait({ staging: ref(stagingId), previous: ref(parked), swap: progress }, `${stagingId} is being renamed to ${parked}`);
      if (await this.databases.describeForRename(stagingId)) {
        await this.databases.rename(stagingId, parked);
        return this.#wait({ staging: ref(stagingId), previous: ref(parked), swap: progress }, `renaming ${stagingId} to ${parked}`);
      }
      // The first refresh: there is no staging database to park.
      await this.databases.rename(candidate.id, stagingId);
      return this.#wait({ staging: ref(stagingId), swap: { ...progress, step: 'promoting' } }, `renaming ${candidate.id} to ${stagingId}`);
    }
    const progress = renameProgress.parse(pending.swap);
    if (progress.step === 'parking') {
      const previous = pending.previous?.id ?? parkedIdentifier(stagingId, progress.runId);
      const parked = await this.databases.describeForRename(previous);
      if (parked?.status !== 'available') return this.#wait(pending, `waiting for ${stagingId} to be available as ${previous} (${parked?.status ?? 'not there yet'})`);
      if (await this.databases.describeForRename(progress.candidate)) await this.databases.rename(progress.candidate, stagingId);
      return this.#wait({ ...pending, swap: { ...progress, step: 'promoting' } }, `renaming ${progress.candidate} to ${stagingId}`);
    }
    if (progress.step === 'promoting') {
      const promoted = await this.databases.describeForRename(stagingId);
      if (promoted?.status !== 'available' || !promoted.host) return this.#wait(pending, `waiting for ${progress.candidate} to be available as ${stagingId} (${promoted?.status ?? 'not there yet'})`);
      if (!promoted.tags.some((tag) => tag.Key === TAGS.runId && tag.Value === progress.runId)) {
        throw new EnvironmentError(`${stagingId} is available but is not this run's candidate (its ${TAGS.runId} tag differs): staging needs a look`);
      }
      await pointSecretAt(this.clients.secrets, this.staging.secretArn, promoted.host, this.staging.port, this.staging.databaseName);
      return { state: 'ready', value: { ...pending, swap: { ...progress, step: 'promoted' } } };
    }
    if (progress.step === 'promoted') return { state: 'ready', value: pending };
    throw new EnvironmentError(`promote called on a promotion already being rolled back (step ${progress.step})`);
  }

  /**
   * Reverses the swap from the step it reached: the candidate back to its own name, then the parked
   * database back to staging's, then the candidate deleted (last: a retried call must still find it).
   */
  async rollback(promotion: Promotion): Promise<Progress<Promotion>> {
    if (!promotion.swap) return { state: 'ready', value: promotion };
    const progress = renameProgress.parse(promotion.swap);
    const stagingId = this.staging.identifier.toLowerCase();
    const at = (step: RenameProgress['step']): Promotion => ({ ...promotion, swap: { ...progress, step } });
    switch (progress.step) {
      case 'rolled-back':
        return { state: 'ready', value: promotion };
      case 'parking':
        // The candidate gone from its own name means its rename to staging's was issued (state not saved yet).
        if (!(await this.databases.describeForRename(progress.candidate))) return this.rollback(at('promoting'));
        return this.#unpark(promotion, progress, stagingId);
      case 'promoting':
      case 'promoted': {
        if (await this.databases.describeForRename(progress.candidate)) return this.rollback(at('unpromoting'));
        const promoted = await this.databases.describeForRename(stagingId);
        if (promoted?.status !== 'available') return this.#wait(promotion, `waiting for ${stagingId} to settle before renaming it back (${promoted?.status ?? 'not there yet'})`);
        await this.databases.rename(stagingId, progress.candidate);
        return this.#wait(at('unpromoting'), `renaming ${stagingId} back to ${progress.candidate}`);
      }
      case 'unpromoting': {
        const back = await this.databases.describeForRename(progress.candidate);
        if (back?.status !== 'available') return this.#wait(promotion, `waiting for the candidate to be available as ${progress.candidate} again (${back?.status ?? 'not there yet'})`);
        if (!promotion.previous) return this.#done(promotion, progress);
        return this.#unpark(at('parking'), progress, stagingId);
      }
      case 'unparking': {
        const restored = await this.databases.describeForRename(stagingId);
        if (restored?.status !== 'available') return this.#wait(promotion, `waiting for ${stagingId} to be available again (${restored?.status ?? 'not there yet'})`);
        return this.#done(promotion, progress);
      }
    }
  }

  /** Staging was parked (or was being parked) and the candidate is not under staging's name: the parked database goes back. */
  async #unpark(promotion: Promotion, progress: RenameProgress, stagingId: string): Promise<Progress<Promotion>> {
    const previousId = promotion.previous?.id ?? parkedIdentifier(stagingId, progress.runId);
    const at = (step: RenameProgress['step']): Promotion => ({ ...promotion, swap: { ...progress, step } });
    const parked = await this.databases.describeForRename(previousId);
    if (!parked) {
      // Not parked (yet): if staging is still itself and available, the rename never happened.
      const staging = await this.databases.describeForRename(stagingId);
      if (staging?.status === 'available') return this.#done(promotion, progress);
      return this.#wait(promotion, `waiting for ${stagingId} to be renamed before renaming it back (${staging?.status ?? 'not there'})`);
    }
    if (parked.status !== 'available') return this.#wait(promotion, `waiting for ${previousId} to be available before renaming it back (${parked.status})`);
    await this.databases.rename(previousId, stagingId);
    return this.#wait(at('unparking'), `renaming ${previousId} back to ${stagingId}`);
  }

  async #done(promotion: Promotion, progress: RenameProgress): Promise<Progress<Promotion>> {
    await this.databases.remove(progress.candidate);
    return { state: 'ready', value: { ...promotion, swap: { ...progress, step: 'rolled-back' } } };
  }

  #wait(value: Promotion, detail: string): Progress<Promotion> {
    return { state: 'pending', value, retryAfterMs: RENAME_POLL_MS, detail };
  }
}
