import type { Capture, Turn, Where } from './model';

/**
 * A conversation as read from one file, before partial convos are included and utterance lists are
 * looked up. `resolveDrafts` turns drafts into runnable conversations.
 */

/** What the user says before lookup: the model's forms plus an utterance list by name. */
export type DraftUserInput =
  | Turn['user']
  /** `orText`: when no list has that name, send the name itself (Botium's rule for `#me` text). */
  | { readonly kind: 'utterances'; readonly name: string; readonly orText?: boolean };

/** A turn before lookup. */
export interface DraftTurn extends Omit<Turn, 'user' | 'capture'> {
  readonly user: DraftUserInput;
  readonly capture: Capture[];
}

/** One step of a draft: a turn, or a partial convo included by name. */
export type DraftStep =
  | { readonly kind: 'turn'; readonly turn: DraftTurn }
  | { readonly kind: 'include'; readonly name: string; readonly where: Where };

export interface DraftConvo {
  readonly name: string;
  readonly partial: boolean;
  readonly tags: string[];
  readonly weight: number;
  /** Absolute path of the CSV file feeding user data. */
  readonly dataFile?: string;
  readonly steps: DraftStep[];
  readonly where: Where;
}

/** Everything read from the convo files: drafts plus the utterance lists they may name. */
export interface DraftSet {
  readonly drafts: DraftConvo[];
  readonly utterances: Map<string, { readonly options: string[]; readonly where: Where }>;
}
