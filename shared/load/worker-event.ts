import { z } from 'zod';
import { conversationSchema } from '../converse/model';
import type { LoadWorkerResult } from './result-schema';
import { runLoadSlice } from './engine';
import { loadSliceSchema } from './slice-schema';

/**
 * The event of one load worker (a worker thread, or the worker Lambda invoked by a Step Functions Map
 * state): the run, the bot's URL, this worker's slice (from `planLoadSlices`) and the conversations of
 * the mix in their parsed JSON form (`conversationSchema`; empty in raw mode).
 */
export const loadWorkerEventSchema = z.object({
  runId: z.string().min(1),
  target: z.url(),
  slice: loadSliceSchema,
  convos: z.array(conversationSchema),
});
export type LoadWorkerEvent = z.infer<typeof loadWorkerEventSchema>;
export type LoadWorkerEventInput = z.input<typeof loadWorkerEventSchema>;

/** Runs one worker's slice and returns its encoded result (see `mergeLoadResults`). */
export async function runLoadWorker(event: LoadWorkerEvent): Promise<LoadWorkerResult> {
  if (event.slice.mode === 'conversations' && event.convos.length === 0) {
    throw new TypeError('a conversation-mode slice needs at least one conversation in `convos`');
  }
  const measurement = await runLoadSlice(event.slice, { target: event.target, conversations: event.convos, runId: `${event.runId}-w${event.slice.workerIndex}` });
  return measurement.toResult(event.slice.workerIndex, event.slice.workerCount);
}
