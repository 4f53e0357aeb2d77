import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createGetPool, createResponseParser, type GetOutcome } from './http-get-pool.ts';

const lengthResponse = (status: number, body: string) =>
  `HTTP/1.1 ${status} X\r\ncontent-type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
const chunkedResponse = (status: number, chunks: string[]) =>
  `HTTP/1.1 ${status} X\r\nTransfer-Encoding: chunked\r\n\r\n${chunks.map((c) => `${Buffer.byteLength(c).toString(16)}\r\n${c}\r\n`).join('')}0\r\n\r\n`;

/** the statuses a parser reports for `bytes` pushed in pieces cut at `cuts` */
function parseInPieces(bytes: Buffer, cuts: number[]): number[] {
  const parser = createResponseParser();
  const statuses: number[] = [];
  let from = 0;
  for (const cut of [...cuts, bytes.length]) {
    statuses.push(...parser.push(bytes.subarray(from, cut)));
    from = cut;
  }
  return statuses;
}

describe('bench > http-get-pool > response parser', () => {
  const stream = Buffer.from(
    lengthResponse(200, '{"items":[1,2,3]}') +
      chunkedResponse(404, ['{"error":', '{"status":404}}']) +
      lengthResponse(204, '') +
      `HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;ext=1\r\nhello\r\n0\r\nX-Trailer: t\r\n\r\n` +
      lengthResponse(503, 'busy'),
  );

  it('reports every response of a stream, in order, however the bytes are cut', () => {
    expect(parseInPieces(stream, [])).toEqual([200, 404, 204, 200, 503]);
    for (let cut = 1; cut < stream.length; cut++) expect(parseInPieces(stream, [cut])).toEqual([200, 404, 204, 200, 503]);
    const everyByte = Array.from({ length: stream.length - 1 }, (_, i) => i + 1);
    expect(parseInPieces(stream, everyByte)).toEqual([200, 404, 204, 200, 503]);
  });

  it('reports a response only once its body has come', () => {
    const parser = createResponseParser();
    const bytes = Buffer.from(lengthResponse(200, 'abcdef'));
    expect(parser.push(bytes.subarray(0, bytes.length - 1))).toEqual([]);
    expect(parser.push(bytes.subarray(bytes.length - 1))).toEqual([200]);
  });

  it('throws on bytes that are not an HTTP response, and on a bad length or chunk size', () => {
    expect(() => createResponseParser().push(Buffer.from('SSH-2.0-OpenSSH\r\n\r\n'))).toThrow(/not an HTTP response/);
    expect(() => createResponseParser().push(Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n'))).toThrow(/Content-Length/);
    expect(() => createResponseParser().push(Buffer.from('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n'))).toThrow(/chunk size/);
    expect(() => createResponseParser().push(Buffer.alloc(70 * 1024, 65))).toThrow(/over 64 KiB/);
  });
});

describe('bench > http-get-pool > pool', () => {
  let server: http.Server | undefined;
  let pool: ReturnType<typeof createGetPool> | undefined;
  afterEach(async () => {
    pool?.close();
    await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
    server = undefined;
  });

  /** a node:http server on a free port; `handler` answers each request */
  async function serve(handler: http.RequestListener): Promise<number> {
    server = http.createServer(handler);
    await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
    return (server.address() as AddressInfo).port;
  }
  const get = (path: string) => new Promise<GetOutcome>((resolve) => pool?.get(path, resolve));

  it("gets each path with the pool's headers, on few keep-alive sockets, with node:http's framing of either kind", async () => {
    const seen: string[] = [];
    const port = await serve((req, res) => {
      seen.push(`${req.url} ${req.headers['x-api-key']} ${req.headers.host}`);
      if (req.url === '/chunked') {
        res.writeHead(200);
        res.write('part one,');
        res.end('part two');
      } else if (req.url === '/missing') {
        res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":{"status":404}}');
      } else res.end('ok');
    });
    pool = createGetPool({ host: '127.0.0.1', port, headers: { 'x-api-key': 'k' }, maxSockets: 4 });
    const outcomes = await Promise.all(['/a', '/chunked', '/missing', '/b', '/c', '/d', '/e', '/f'].map(get));
    expect(outcomes).toEqual([200, 200, 404, 200, 200, 200, 200, 200]);
    expect(seen).toHaveLength(8);
    expect(seen[0]).toBe(`/a k 127.0.0.1:${port}`);
    expect(pool.sockets).toBeLessThanOrEqual(4);
    expect(await get('/again')).toBe(200); // on a kept socket
    expect(pool.sockets).toBeLessThanOrEqual(4);
  });

  it('fails a request the server does not answer in time, one whose socket the server resets, and one nobody listens for', async () => {
    const port = await serve((req, res) => {
      if (req.url === '/slow') return; // never answers
      if (req.url === '/reset') return req.socket.destroy();
      res.end('ok');
    });
    pool = createGetPool({ host: '127.0.0.1', port, timeoutMs: 300 });
    expect(await get('/slow')).toBe('timeout');
    expect(['reset', 'closed']).toContain(await get('/reset'));
    expect(await get('/fine')).toBe(200);
    pool.close();
    await new Promise((resolve) => server?.close(resolve));
    server = undefined;
    pool = createGetPool({ host: '127.0.0.1', port });
    expect(await get('/nobody')).toBe('refused');
  });

  it('closes a socket idle longer than idleMs itself, before the server would', async () => {
    const port = await serve((_req, res) => res.end('ok'));
    let serverSocketsClosed = 0;
    server?.on('connection', (socket) => socket.on('close', () => serverSocketsClosed++));
    pool = createGetPool({ host: '127.0.0.1', port, idleMs: 200 });
    expect(await get('/x')).toBe(200);
    expect(pool.sockets).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 600));
    expect(pool.sockets).toBe(0);
    expect(serverSocketsClosed).toBe(1); // by the client: the server's own keep-alive timeout is 5 s
    expect(await get('/y')).toBe(200); // a fresh socket
  });
});
