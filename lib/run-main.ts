import { ConfigError, describeError } from './errors.ts';

/**
 * The one way a command-line entry point ends: errors print with their causes, exit code 2 for
 * bad usage or configuration, 1 for everything else. When `main` is done the process exits, even
 * if a client it used left a socket or a timer open: a finished command never hangs.
 */
export function runMain(main: (argv: string[]) => Promise<void>): void {
  main(process.argv.slice(2)).then(
    () => exit(typeof process.exitCode === 'number' ? process.exitCode : 0),
    (error: unknown) => {
      console.error(`error: ${describeError(error)}`);
      exit(error instanceof ConfigError ? 2 : 1);
    },
  );
}

/** Exits once what was written to stdout and stderr has been flushed. */
function exit(code: number): void {
  process.exitCode = code;
  process.stdout.write('', () => process.stderr.write('', () => process.exit(code)));
}
