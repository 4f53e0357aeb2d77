/**
 * The web page (static files from serving/web), and the API's documentation for people at /docs:
 * Swagger UI (swagger-ui-dist, a maintained package, served from node_modules by the API itself:
 * no CDN) over /openapi.json.
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { Hono } from 'hono';
import type { AppEnv } from '../router.ts';

const WEB = path.resolve(import.meta.dirname, '..', 'web');
const SWAGGER_UI = path.dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));
const TYPES: Record<string, string> = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8' };

/** The files of a folder (not its subfolders), read once. */
const filesOf = (dir: string, names?: string[]) =>
  new Map((names ?? fs.readdirSync(dir).filter((f) => fs.statSync(path.join(dir, f)).isFile())).map((f) => [f, fs.readFileSync(path.join(dir, f))]));

export function webRoutes() {
  const app = new Hono<AppEnv>();
  const page = filesOf(WEB);
  const docs = new Map([...filesOf(path.join(WEB, 'docs')), ...filesOf(SWAGGER_UI, ['swagger-ui.css', 'swagger-ui-bundle.js'])]);
  const serve = (files: Map<string, Buffer>, name: string) => (c: { body: (b: Uint8Array, s: 200, h: Record<string, string>) => Response }) =>
    c.body(files.get(name)!, 200, { 'content-type': TYPES[path.extname(name)] ?? 'application/octet-stream', 'cache-control': 'no-cache' });
  app.get('/', serve(page, 'index.html'));
  for (const name of page.keys()) app.get(`/web/${name}`, serve(page, name));
  app.get('/docs', serve(docs, 'index.html'));
  for (const name of docs.keys()) app.get(`/docs/${name}`, serve(docs, name));
  return app;
}
