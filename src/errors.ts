// Every caller mistake is one of these; `errorResponse` is the one place that turns an error
// into a status code and a JSON body, for every adapter (embedded platform, Azure, OpenFaaS, CLI).

export class FaasmlError extends Error {
  constructor(
    readonly statusCode: number,
    message: string,
    readonly detail?: unknown,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** 400: the body is not what its content type says (malformed JSON). */
export class BadRequestError extends FaasmlError {
  constructor(message: string, detail?: unknown) {
    super(400, message, detail);
  }
}

/** 404: unknown function, model or version. */
export class NotFoundError extends FaasmlError {
  constructor(message: string, detail?: unknown) {
    super(404, message, detail);
  }
}

/** 405: a method the handler does not accept. */
export class MethodNotAllowedError extends FaasmlError {
  constructor(message: string, detail?: unknown) {
    super(405, message, detail);
  }
}

/** 413: a body or batch over the configured maximum. */
export class PayloadTooLargeError extends FaasmlError {
  constructor(message: string, detail?: unknown) {
    super(413, message, detail);
  }
}

/** 422: well-formed but wrong: shape, type, NaN, a formula that does not parse. */
export class ValidationError extends FaasmlError {
  constructor(message: string, detail?: unknown) {
    super(422, message, detail);
  }
}

/** 429: a limit (in flight, queue length) is reached; the message names the limit. */
export class TooManyRequestsError extends FaasmlError {
  constructor(message: string, detail?: unknown) {
    super(429, message, detail);
  }
}

export interface ErrorBody {
  error: string;
  detail?: unknown;
}

/** Maps any thrown value to a status and a JSON body; never leaks a stack trace. */
export function errorResponse(err: unknown): { statusCode: number; body: ErrorBody } {
  if (err instanceof FaasmlError) {
    const body: ErrorBody = { error: err.message };
    if (err.detail !== undefined) body.detail = err.detail;
    return { statusCode: err.statusCode, body };
  }
  const message = err instanceof Error ? err.message : String(err);
  return { statusCode: 500, body: { error: 'internal error', detail: message } };
}
