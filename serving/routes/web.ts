/** The web page: static files from serving/web, served by the API itself. */
import fs from 'node:fs';
import path from 'node:path';
import { Hono } from 'hono';
import type { AppEnv } from '../router.ts';

const WEB = path.resolve(import.meta.dirname, '..', 'web');
const TYPES: Record<string, string> = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8' };

export function webRoutes() {
  const app = new Hono<AppEnv>();
  const files = new Map(fs.readdirSync(WEB).map((f) => [f, fs.readFileSync(path.join(WEB, f))]));
  const serve = (name: string) => (c: { body: (b: Uint8Array, s: 200, h: Record<string, string>) => Response }) =>
    c.body(files.get(name)!, 200, { 'content-type': TYPES[path.extname(name)] ?? 'application/octet-stream', 'cache-control': 'no-cache' });
  app.get('/', serve('index.html'));
  for (const name of files.keys()) app.get(`/web/${name}`, serve(name));
  return app;
}
