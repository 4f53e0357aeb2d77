/**
 * The security headers of every answer: the web page loads only its own files; no framing, no
 * sniffing, no referrer to other sites (those of Hono's `secureHeaders` with this policy, which a
 * test checks). A middleware sets them on each answer after its route, and the hot route builds
 * its answer with them already in a plain record (`securedBody`), which the middleware leaves
 * alone: setting a header on a finished answer makes @hono/node-server build a fetch `Headers`
 * object, which cost about a tenth of the API's CPU on the recommendations route (a CPU profile
 * under bench:api at 32M, 2026-12-02).
 */
import type { MiddlewareHandler } from 'hono';

export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy': "default-src 'self'; img-src 'self' data:; object-src 'none'; frame-ancestors 'none'; base-uri 'self'",
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
  'origin-agent-cluster': '?1',
  'referrer-policy': 'no-referrer',
  'strict-transport-security': 'max-age=15552000; includeSubDomains',
  'x-content-type-options': 'nosniff',
  'x-dns-prefetch-control': 'off',
  'x-download-options': 'noopen',
  'x-frame-options': 'SAMEORIGIN',
  'x-permitted-cross-domain-policies': 'none',
  'x-xss-protection': '0',
};
const ENTRIES = Object.entries(SECURITY_HEADERS);

/** answers built with the headers in them */
const secured = new WeakSet<Response>();

/** Sets the security headers on every answer that does not carry them already. */
export function securityHeaders(): MiddlewareHandler {
  return async (c, next) => {
    await next();
    if (secured.has(c.res)) return;
    for (const [name, value] of ENTRIES) c.res.headers.set(name, value);
  };
}

/**
 * A 200 with its body ready and the security headers in it. It does not carry headers set with
 * `c.header()` before: pass them in `headers`.
 */
export function securedBody(body: string, headers: Record<string, string>): Response {
  // Object.assign, not an object spread: `{ ...SECURITY_HEADERS, ...headers }` made each answer's
  // header object outlive two scavenges, and the API's old space grew 1.5 MB/s at 2,000 req/s (a
  // major GC every few seconds); with Object.assign, 0.1 MB/s (V8's GC trace, docs/benchmarks.md)
  const res = new Response(body, { status: 200, headers: Object.assign({}, SECURITY_HEADERS, headers) });
  secured.add(res);
  return res;
}
