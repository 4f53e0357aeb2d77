/**
 * One error hierarchy for the whole TypeScript side. Every error says whether retrying can help
 * (`retriable`) and keeps what caused it (`cause`), so the retry helper and the CLI entry points
 * can decide without parsing messages.
 */
export interface PipelineErrorOptions {
  cause?: unknown;
  retriable?: boolean;
}

export class PipelineError extends Error {
  readonly retriable: boolean;

  constructor(message: string, { cause, retriable = false }: PipelineErrorOptions = {}) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = new.target.name;
    this.retriable = retriable;
  }
}

/** Invalid configuration: never retriable; CLIs exit with code 2. */
export class ConfigError extends PipelineError {
  constructor(
    message: string,
    readonly issues: string[] = [],
  ) {
    super(issues.length > 0 ? `${message}\n${issues.map((i) => `  - ${i}`).join('\n')}` : message);
  }
}

/** A local engine could not be installed, started, stopped or probed. */
export class StackError extends PipelineError {
  constructor(
    readonly engine: string,
    message: string,
    readonly details: { logFile?: string; cause?: unknown; retriable?: boolean } = {},
  ) {
    super(`${engine}: ${message}${details.logFile ? `\n  log: ${details.logFile}` : ''}`, { cause: details.cause, retriable: details.retriable ?? false });
  }
}

/** A call to Flink's REST API failed; carries Flink's own error text. */
export class FlinkRestError extends PipelineError {
  constructor(
    readonly method: string,
    readonly url: string,
    readonly status: number | undefined,
    readonly flinkErrors: string[],
    options: PipelineErrorOptions = {},
  ) {
    const first = flinkErrors[0]?.split('\n')[0] ?? 'no response';
    super(`[${method}] ${url}: ${status ?? 'network error'} ${first}`, {
      retriable: status === undefined || status >= 500 || status === 429,
      ...options,
    });
  }
}

/** An engine refused this client's login: wrong or missing credentials. Never retriable: configuration must change. */
export class LoginRefusedError extends PipelineError {
  constructor(message: string, options: PipelineErrorOptions = {}) {
    super(message, { ...options, retriable: false });
  }
}

/** The operation ran out of attempts or time. */
export class RetriesExhaustedError extends PipelineError {}

/** A wait-for condition did not hold within its budget. */
export class TimeoutError extends PipelineError {
  constructor(message: string, options: PipelineErrorOptions = {}) {
    super(message, { retriable: true, ...options });
  }
}

/** Errors that are bugs, not conditions: never retried. */
export function isProgrammerError(error: unknown): boolean {
  return error instanceof TypeError || error instanceof ReferenceError || error instanceof SyntaxError || error instanceof RangeError;
}

export function isRetriable(error: unknown): boolean {
  if (isProgrammerError(error)) return false;
  if (error instanceof PipelineError) return error.retriable;
  return true;
}

/** The message of an error and of every cause under it, one per line. */
export function describeError(error: unknown): string {
  const lines: string[] = [];
  let current: unknown = error;
  for (let depth = 0; current !== undefined && current !== null && depth < 8; depth++) {
    lines.push(current instanceof Error ? current.message : String(current));
    current = current instanceof Error ? current.cause : undefined;
  }
  return lines.join('\n  caused by: ');
}
