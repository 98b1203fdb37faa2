import { z } from 'zod';

const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 } as const;
const DURATION = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h)$/;

/**
 * Parses a duration such as `1500ms`, `10s`, `2m` or `1h` into milliseconds.
 * A bare number is taken as milliseconds. Returns `undefined` for anything else.
 */
export function parseDuration(input: string | number): number | undefined {
  if (typeof input === 'number') return Number.isFinite(input) && input >= 0 ? input : undefined;
  const match = DURATION.exec(input.trim());
  if (!match) return undefined;
  const [, amount, unit] = match;
  return Number(amount) * UNIT_MS[unit as keyof typeof UNIT_MS];
}

/** A zod schema for a duration written as `10s`, `1500ms`, `2m`, `1h` or a number of milliseconds; parses to ms. */
export const durationSchema = z.union([z.string(), z.number()]).transform((value, ctx) => {
  const ms = parseDuration(value);
  if (ms === undefined) {
    ctx.addIssue({ code: 'custom', message: `invalid duration ${JSON.stringify(value)}, expected a number with a unit such as 1500ms, 10s, 2m or 1h` });
    return z.NEVER;
  }
  return ms;
});
