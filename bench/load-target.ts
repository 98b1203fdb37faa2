/**
 * The load benchmark's target: a node:http server in its own process (pinned to its own core by
 * bench/load.ts). Prints `{"port":N}` once listening.
 *
 *   node --import tsx bench/load-target.ts '{"delayMs":50}'
 *   node --import tsx bench/load-target.ts '{"stallAtMs":5000,"stallMs":1000}'
 *
 * `delayMs`: every reply waits that long (timer, the process stays free). `stallAtMs`/`stallMs`: that
 * long after the first request, the whole process freezes (a busy loop, like a GC pause or a
 * stopped VM) for `stallMs`; replies resume afterwards.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

const options = JSON.parse(process.argv[2] ?? '{}') as { delayMs?: number; stallAtMs?: number; stallMs?: number };
const reply = JSON.stringify({ messages: [{ text: 'ok', buttons: [{ title: 'Next' }] }] });
let stallArmed = options.stallAtMs !== undefined;

const server = createServer((request, response) => {
  if (stallArmed) {
    stallArmed = false;
    setTimeout(() => {
      const until = Date.now() + (options.stallMs ?? 1000);
      while (Date.now() < until) { /* freeze the process on purpose */ }
    }, options.stallAtMs);
  }
  const send = () => {
    response.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(reply) });
    response.end(reply);
  };
  // Drain the body (conversation mode POSTs JSON) before answering.
  request.resume();
  request.on('end', () => (options.delayMs ? setTimeout(send, options.delayMs) : send()));
});
server.keepAliveTimeout = 120_000;
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`${JSON.stringify({ port: (server.address() as AddressInfo).port })}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
