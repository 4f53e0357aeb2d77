import { ConfigError, describeError } from './errors.ts';

/**
 * The one way a command-line entry point ends: errors print with their causes, exit code 2 for
 * bad usage or configuration, 1 for everything else.
 */
export function runMain(main: (argv: string[]) => Promise<void>): void {
  main(process.argv.slice(2)).catch((error: unknown) => {
    console.error(`error: ${describeError(error)}`);
    process.exitCode = error instanceof ConfigError ? 2 : 1;
  });
}
