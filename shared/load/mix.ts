import type { Conversation } from '../converse/model';

const GOLDEN = 0.6180339887498949;
const MAX_CYCLE = 10_000;

/**
 * Chooses the conversation of arrival `index` from a weighted mix. The choice depends only on the
 * global arrival index, so every worker of a fanned-out run makes the choice a single generator would.
 * Integer weights use a smooth weighted round-robin cycle (exact shares in every cycle of sum(weights)
 * arrivals, interleaved rather than bunched); other weights use a low-discrepancy sequence.
 */
export function conversationPicker(conversations: readonly Conversation[], weights: Readonly<Record<string, number>>): (index: number) => Conversation {
  if (conversations.length === 0) throw new TypeError('a load mix needs at least one conversation');
  const weightOf = conversations.map((conversation) => weights[conversation.name] ?? conversation.weight);
  const total = weightOf.reduce((sum, weight) => sum + weight, 0);
  if (weightOf.every(Number.isInteger) && total <= MAX_CYCLE) {
    const cycle = smoothRoundRobin(weightOf);
    return (index) => conversations[cycle[index % cycle.length] ?? 0] as Conversation;
  }
  const cumulative: number[] = [];
  let running = 0;
  for (const weight of weightOf) cumulative.push((running += weight));
  return (index) => {
    const u = ((index * GOLDEN) % 1) * total;
    const at = cumulative.findIndex((bound) => u < bound);
    return conversations[at < 0 ? conversations.length - 1 : at] as Conversation;
  };
}

/** nginx's smooth weighted round robin: one cycle of sum(weights) picks, each index `weight` times. */
function smoothRoundRobin(weights: readonly number[]): number[] {
  const total = weights.reduce((sum, weight) => sum + weight, 0);
  const current = weights.map(() => 0);
  const cycle: number[] = [];
  for (let step = 0; step < total; step += 1) {
    let best = 0;
    weights.forEach((weight, index) => {
      current[index] = (current[index] ?? 0) + weight;
      if ((current[index] ?? 0) > (current[best] ?? 0)) best = index;
    });
    current[best] = (current[best] ?? 0) - total;
    cycle.push(best);
  }
  return cycle;
}
