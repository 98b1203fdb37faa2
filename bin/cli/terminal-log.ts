import type { LogFields, RunLog } from '../../shared/pipeline/log';

/**
 * A RunLog for the terminal: plain lines, and progress redrawn in place when the stream is a TTY
 * (a line every 10% otherwise, so CI logs stay short).
 */
export function terminalLog(stream: { write(text: string): unknown; isTTY?: boolean }): RunLog {
  const lastDecile = new Map<string, number>();
  let progressShown = false;
  const line = (level: string, message: string, fields?: LogFields): void => {
    if (progressShown) {
      stream.write('\n');
      progressShown = false;
    }
    const extra = fields ? Object.entries(fields).filter(([, v]) => v !== undefined).map(([k, v]) => ` ${k}=${String(v)}`).join('') : '';
    stream.write(`${level === 'info' ? '' : `${level.toUpperCase()}: `}${message}${extra}\n`);
  };
  return {
    info: (message, fields) => line('info', message, fields),
    warn: (message, fields) => line('warn', message, fields),
    error: (message, fields) => line('error', message, fields),
    progress(step, done, total) {
      const percent = total > 0 ? Math.floor((done / total) * 100) : 100;
      if (stream.isTTY) {
        stream.write(`\r  ${step}: ${done}/${total} (${percent}%)`);
        progressShown = done < total;
        if (!progressShown) stream.write('\n');
        return;
      }
      const decile = Math.floor(percent / 10);
      if (lastDecile.get(step) === decile) return;
      lastDecile.set(step, decile);
      stream.write(`  ${step}: ${done}/${total} (${percent}%)\n`);
    },
  };
}
