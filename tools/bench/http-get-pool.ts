/**
 * The load generator's HTTP client: keep-alive GETs over plain TCP sockets, one request at a time
 * per socket, with a response parser that reads only the status, the body's length and its end.
 *
 * Why not node:http: its client cost the load generator about 185 µs of CPU per request
 * (0.37 of a core at 2,000 req/s), on the same 2 cores as the API it measures; this one parses
 * nothing it does not need (docs/benchmarks.md, 2026-12-04 afternoon).
 *
 * Sockets idle for `idleMs` are closed by the client, before the server's keep-alive timeout
 * (Node's 5 s) closes them: a request written to a socket the server is closing at that moment
 * fails with a reset, an error of the client's timing and not of the server.
 */
import net from 'node:net';

export type GetError = 'reset' | 'closed' | 'timeout' | 'refused' | 'malformed';
export type GetOutcome = number | GetError;

const CR = 13;
const LF = 10;
const HEADER_LIMIT = 64 * 1024;

/**
 * An incremental HTTP/1.1 response parser: `push` takes the bytes as they come and returns the
 * status of every response completed by them (Content-Length or chunked bodies; a response to a
 * GET without either has no body, as a keep-alive client must assume). Throws on bytes that are
 * not HTTP.
 */
export function createResponseParser() {
  let head: Buffer | null = null; // the header bytes seen so far, while in the head
  let state: 'head' | 'body' | 'chunk-size' | 'chunk-data' | 'chunk-end' | 'trailer' = 'head';
  let status = 0;
  let remaining = 0; // body or chunk bytes still to skip
  let line = ''; // a chunk-size or trailer line so far

  function parseHead(text: string) {
    const lines = text.split('\r\n');
    const match = /^HTTP\/1\.[01] (\d{3})/.exec(lines[0] ?? '');
    if (!match) throw new Error(`not an HTTP response: ${JSON.stringify((lines[0] ?? '').slice(0, 40))}`);
    status = Number(match[1]);
    let length = 0;
    let chunked = false;
    for (let i = 1; i < lines.length; i++) {
      const l = lines[i] as string;
      const colon = l.indexOf(':');
      if (colon < 0) continue;
      const name = l.slice(0, colon).trim().toLowerCase();
      const value = l.slice(colon + 1).trim();
      if (name === 'content-length') length = Number(value);
      else if (name === 'transfer-encoding' && value.toLowerCase().includes('chunked')) chunked = true;
    }
    if (!Number.isSafeInteger(length) || length < 0) throw new Error(`bad Content-Length in ${JSON.stringify(lines[0])}`);
    if (chunked) state = 'chunk-size';
    else {
      state = 'body';
      remaining = length;
    }
  }

  return {
    push(bytes: Buffer): number[] {
      const done: number[] = [];
      let i = 0;
      while (i < bytes.length || (state === 'body' && remaining === 0)) {
        if (state === 'head') {
          const joined: Buffer = head ? Buffer.concat([head, bytes.subarray(i)]) : bytes.subarray(i);
          const end = joined.indexOf('\r\n\r\n');
          if (end < 0) {
            if (joined.length > HEADER_LIMIT) throw new Error('response head over 64 KiB');
            head = Buffer.from(joined);
            return done;
          }
          const consumedBefore = head ? head.length : 0;
          parseHead(joined.toString('latin1', 0, end));
          head = null;
          i += end + 4 - consumedBefore;
        } else if (state === 'body') {
          const take = Math.min(remaining, bytes.length - i);
          i += take;
          remaining -= take;
          if (remaining === 0) {
            done.push(status);
            state = 'head';
          }
        } else if (state === 'chunk-size' || state === 'trailer') {
          const byte = bytes[i++] as number;
          if (byte !== LF) {
            if (byte !== CR) line += String.fromCharCode(byte);
            if (line.length > 1024) throw new Error('chunk line over 1 KiB');
            continue;
          }
          if (state === 'trailer') {
            if (line === '') {
              done.push(status);
              state = 'head';
            }
            line = '';
            continue;
          }
          const size = Number.parseInt(line.split(';')[0] as string, 16);
          if (!Number.isSafeInteger(size) || size < 0) throw new Error(`bad chunk size ${JSON.stringify(line)}`);
          line = '';
          if (size === 0) state = 'trailer';
          else {
            remaining = size;
            state = 'chunk-data';
          }
        } else if (state === 'chunk-data') {
          const take = Math.min(remaining, bytes.length - i);
          i += take;
          remaining -= take;
          if (remaining === 0) state = 'chunk-end';
        } else {
          // chunk-end: the CRLF after a chunk's data
          const byte = bytes[i++] as number;
          if (byte === LF) state = 'chunk-size';
          else if (byte !== CR) throw new Error('chunk data not followed by CRLF');
        }
      }
      return done;
    },
  };
}

export interface GetPoolOptions {
  host: string;
  port: number;
  /** headers of every request */
  headers?: Record<string, string>;
  /** sockets open at most; requests beyond them wait in order (and that wait counts) */
  maxSockets?: number;
  /** a request unanswered this long fails with 'timeout' */
  timeoutMs?: number;
  /** a socket idle this long is closed by the client */
  idleMs?: number;
}

interface Connection {
  socket: net.Socket;
  parser: ReturnType<typeof createResponseParser>;
  /** the request in flight on it */
  current: { done: (outcome: GetOutcome) => void; sentAt: number } | null;
  idleSince: number;
}

/** A pool of keep-alive sockets to one server, for GETs only. */
export function createGetPool(options: GetPoolOptions) {
  const { host, port, headers = {}, maxSockets = 256, timeoutMs = 10_000, idleMs = 4_000 } = options;
  const headerLines = Object.entries({ host: `${host}:${port}`, ...headers })
    .map(([name, value]) => `${name}: ${value}\r\n`)
    .join('');
  const free: Connection[] = []; // most recently freed last (LIFO: few sockets stay warm)
  const all = new Set<Connection>();
  const waiting: { path: string; done: (outcome: GetOutcome) => void }[] = [];
  let waitingHead = 0;
  let closed = false;

  /** takes a connection out of the pool (its socket is the caller's to close) */
  function forget(connection: Connection) {
    all.delete(connection);
    const index = free.indexOf(connection);
    if (index >= 0) free.splice(index, 1);
  }

  function fail(connection: Connection, outcome: GetError) {
    forget(connection);
    connection.socket.destroy();
    const current = connection.current;
    connection.current = null;
    current?.done(outcome);
    next();
  }

  function open(): Connection {
    const socket = net.connect({ host, port, noDelay: true });
    const connection: Connection = { socket, parser: createResponseParser(), current: null, idleSince: 0 };
    all.add(connection);
    socket.on('data', (bytes: Buffer) => {
      let statuses: number[];
      try {
        statuses = connection.parser.push(bytes);
      } catch {
        return fail(connection, 'malformed');
      }
      for (const status of statuses) {
        const current = connection.current;
        if (!current) return fail(connection, 'malformed'); // an answer nobody asked for
        connection.current = null;
        connection.idleSince = performance.now();
        free.push(connection);
        current.done(status);
      }
      if (statuses.length > 0) next();
    });
    socket.on('error', (error: NodeJS.ErrnoException) => {
      fail(connection, error.code === 'ECONNREFUSED' ? 'refused' : 'reset');
    });
    socket.on('close', () => {
      if (all.has(connection)) fail(connection, 'closed');
    });
    return connection;
  }

  function write(connection: Connection, path: string, done: (outcome: GetOutcome) => void) {
    connection.current = { done, sentAt: performance.now() };
    connection.socket.write(`GET ${path} HTTP/1.1\r\n${headerLines}\r\n`);
  }

  function next() {
    while (waitingHead < waiting.length && !closed) {
      const connection = free.pop() ?? (all.size < maxSockets ? open() : undefined);
      if (!connection) return;
      const request = waiting[waitingHead] as (typeof waiting)[number];
      waiting[waitingHead++] = undefined as never;
      write(connection, request.path, request.done);
    }
    if (waitingHead > 1024 && waitingHead * 2 > waiting.length) {
      waiting.splice(0, waitingHead);
      waitingHead = 0;
    }
  }

  const sweeper = setInterval(() => {
    const now = performance.now();
    for (const connection of all) {
      if (connection.current && now - connection.current.sentAt > timeoutMs) fail(connection, 'timeout');
      else if (!connection.current && now - connection.idleSince > idleMs) {
        forget(connection);
        connection.socket.end();
      }
    }
  }, 100);
  sweeper.unref();

  return {
    /** sends `GET path` on a free socket (or the next one to be free); `done` gets the status or the error */
    get(path: string, done: (outcome: GetOutcome) => void) {
      if (closed) return done('closed');
      waiting.push({ path, done });
      next();
    },
    /** sockets open now */
    get sockets() {
      return all.size;
    },
    close() {
      closed = true;
      clearInterval(sweeper);
      for (const connection of all) connection.socket.destroy();
      all.clear();
      free.length = 0;
    },
  };
}
