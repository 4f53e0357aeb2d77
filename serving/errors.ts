/** The API's errors: a status, a message for the client, and a Retry-After when waiting helps. */
import { PipelineError } from '../lib/errors.ts';

export class ApiError extends PipelineError {
  constructor(
    readonly status: 400 | 401 | 403 | 404 | 409 | 413 | 429 | 500 | 503,
    message: string,
    readonly retryAfterS?: number,
    options: { cause?: unknown } = {},
  ) {
    super(message, { cause: options.cause, retriable: status === 429 || status === 503 });
  }
}

/** A dependency (Cassandra, Kafka) did not answer: 503, try again shortly. */
export function unavailable(what: string, cause: unknown, retryAfterS = 5): ApiError {
  return new ApiError(503, `${what} is unavailable; try again in ${retryAfterS} s`, retryAfterS, { cause });
}
