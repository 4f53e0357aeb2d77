/**
 * npm run api: the serving API and web page on the running stack, until SIGINT or SIGTERM.
 * npm run api -- new-key --name backend --scopes read,write: a new API key, and its API_KEYS entry (the key's hash).
 */
import { parseArgs } from 'node:util';
import { loadConfig } from '../infra/config.ts';
import { ConfigError } from '../lib/errors.ts';
import { runMain } from '../lib/run-main.ts';
import { apiKeyEntry, KEY_NAME, newApiKey, parseApiKeys, SCOPES, type Scope } from '../serving/auth.ts';
import { loadApiConfig } from '../serving/config.ts';
import { announceListening, isApiWorker, startApiWorkers } from '../system/api-cluster.ts';
import { startApi } from '../system/api-server.ts';

runMain(async () => {
  const { positionals, values } = parseArgs({ allowPositionals: true, options: { name: { type: 'string' }, scopes: { type: 'string', default: 'read' } } });
  if (positionals[0] === 'new-key') {
    if (!KEY_NAME.test(values.name ?? '')) throw new ConfigError('new-key needs --name: 1 to 64 of A-Z a-z 0-9 . _ -');
    const key = newApiKey();
    const entry = apiKeyEntry(values.name ?? '', values.scopes.split(',') as Scope[], key);
    try {
      parseApiKeys(entry);
    } catch (error) {
      throw new ConfigError(`new-key --name <name> --scopes <${SCOPES.join(',')}>: ${(error as Error).message}`);
    }
    console.log(
      `API key (give it to the host backend; it is shown once and stored nowhere):\n  ${key}\nAdd this entry to API_KEYS (entries separated by ';'):\n  ${entry}`,
    );
    return;
  }
  if (positionals.length > 0) throw new ConfigError(`unknown command ${positionals[0]}; npm run api [-- new-key --name <name> --scopes read,write,admin]`);
  // listen for the stop signals before anything is announced: a signal sent on the first line must not kill the process
  const stopped = new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  const api = loadApiConfig();
  const stack = loadConfig();
  // API_WORKERS > 1: this process forks the workers (each runs the branch below) and watches them
  const running = api.workers > 1 && !isApiWorker() ? await startApiWorkers({ workers: api.workers, log: console.log }) : await startApi({ stack, api });
  if (isApiWorker()) announceListening(running.url);
  else
    console.log(
      `API and web page on ${running.url} (OpenAPI: ${running.url}/openapi.json)${api.workers > 1 ? `, ${api.workers} processes` : ''}${api.demo ? '; DEMO MODE: anyone may sign in as any user' : ''}`,
    );
  await stopped;
  await running.stop();
});
