import { performance } from 'node:perf_hooks';
import type { Dispatcher } from 'undici';
import type { TransportFailureKind } from '../converse/connector';
import { exchangeDiscarding } from '../converse/http-exchange';
import type { LoadProfile } from './slice-schema';

/** Called once a raw request is done: when it ended (`performance.now()`) and its error kind, if it failed. */
export type RawDone = (endAt: number, errorKind?: TransportFailureKind) => void;

/** Builds a function that sends the profile's raw request once and reads the reply to the end. */
export function rawSender(target: URL, profile: LoadProfile, dispatcher: Dispatcher): (done: RawDone) => void {
  const raw = profile.raw ?? { method: 'GET' as const, headers: {} };
  const options: Dispatcher.DispatchOptions = {
    origin: target.origin, path: `${target.pathname}${target.search}`, method: raw.method, headers: raw.headers,
    body: raw.body ?? null, headersTimeout: profile.timeoutMs, bodyTimeout: profile.timeoutMs,
  };
  return (done) => {
    exchangeDiscarding(dispatcher, options, (statusCode, error) => {
      const endAt = performance.now();
      if (error) done(endAt, errorKindOf(error));
      else if (statusCode >= 400) done(endAt, 'http');
      else done(endAt);
    });
  };
}

/** Maps an undici or socket error to the kind reports count. */
export function errorKindOf(error: unknown): TransportFailureKind {
  const code = (error as { code?: string } | null)?.code ?? '';
  if (code.includes('TIMEOUT') || code === 'UND_ERR_ABORTED' || code === 'ABORT_ERR') return 'timeout';
  if (code.startsWith('E') || code === 'UND_ERR_SOCKET' || code === 'UND_ERR_CLOSED') return 'connection';
  return 'protocol';
}
