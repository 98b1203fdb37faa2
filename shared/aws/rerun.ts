/**
 * How an operator starts a refresh again by hand in AWS (README, "Run a refresh by hand"), as the
 * settle step's line under a failed phase's error and the reaper's log name it. A module of its own,
 * so the reaper's bundle does not take in the settle step's.
 */
export const AWS_RERUN = 'a refresh requested by hand (a `Manual Refresh Requested` event from `rehearsal.deploy`)';
