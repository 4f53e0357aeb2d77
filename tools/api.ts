/** npm run api: the serving API and web page on the running stack, until SIGINT or SIGTERM. */
import { loadConfig } from '../infra/config.ts';
import { runMain } from '../lib/run-main.ts';
import { loadApiConfig } from '../serving/config.ts';
import { startApi } from '../system/api-server.ts';

runMain(async () => {
  // listen for the stop signals before anything is announced: a signal sent on the first line must not kill the process
  const stopped = new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  const running = await startApi({ stack: loadConfig(), api: loadApiConfig() });
  console.log(`API and web page on ${running.url} (OpenAPI: ${running.url}/openapi.json)`);
  await stopped;
  await running.stop();
});
