import { StringDecoder } from 'node:string_decoder';

/**
 * A push parser for server-sent events: feed it body chunks as they arrive, get back the data of every
 * event completed so far (multi-line `data:` fields joined by newlines). Comments and other fields are
 * ignored; a UTF-8 character split across chunks is kept whole.
 */
export class SseParser {
  readonly #decoder = new StringDecoder('utf8');
  #buffer = '';
  #dataLines: string[] = [];

  /** Adds a chunk; returns the data of the events it completed. */
  push(chunk: Buffer | string): string[] {
    this.#buffer += typeof chunk === 'string' ? chunk : this.#decoder.write(chunk);
    const events: string[] = [];
    let newline = this.#buffer.search(/\r?\n/);
    while (newline >= 0) {
      const line = this.#buffer.slice(0, newline);
      this.#buffer = this.#buffer.slice(this.#buffer[newline] === '\r' ? newline + 2 : newline + 1);
      if (line === '') {
        if (this.#dataLines.length > 0) events.push(this.#dataLines.join('\n'));
        this.#dataLines = [];
      } else if (line.startsWith('data:')) {
        this.#dataLines.push(line.slice(5).replace(/^ /, ''));
      }
      newline = this.#buffer.search(/\r?\n/);
    }
    return events;
  }

  /** The last event, when the stream ended without a blank line after it. */
  end(): string[] {
    const rest = this.push(this.#decoder.end());
    if (this.#dataLines.length > 0) rest.push(this.#dataLines.join('\n'));
    this.#dataLines = [];
    return rest;
  }
}
