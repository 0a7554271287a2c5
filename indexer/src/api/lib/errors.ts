/**
 * JSON errors of the REST API: every failure answers `{ error: { code, message, details? } }`.
 *
 * Codes: `invalid_parameter` (400), `swarm_not_found`, `task_not_found`, `state_key_not_found`,
 * `route_not_found` (404), `internal_error` (500).
 *
 * Pure module (no Ponder virtual imports), unit-tested directly.
 */

export type ErrorBody = { error: { code: string; message: string; details?: unknown } };

export type ApiErrorStatus = 400 | 404 | 500;

/** An error the API turns into a JSON answer with `status`. */
export class ApiError extends Error {
  readonly status: ApiErrorStatus;
  readonly code: string;
  readonly details: unknown;

  constructor(status: ApiErrorStatus, code: string, message: string, details?: unknown) {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.code = code;
    this.details = details;
  }

  toBody(): ErrorBody {
    return errorBody(this.code, this.message, this.details);
  }
}

export function errorBody(code: string, message: string, details?: unknown): ErrorBody {
  return details === undefined ? { error: { code, message } } : { error: { code, message, details } };
}

/** One problem with one request parameter. */
export type ParamIssue = { param: string; message: string };

export function invalidParameter(issues: ParamIssue[]): ApiError {
  const message =
    issues.length === 1 && issues[0] !== undefined
      ? `Invalid parameter '${issues[0].param}': ${issues[0].message}`
      : `Invalid parameters: ${issues.map((i) => i.param).join(", ")}`;
  return new ApiError(400, "invalid_parameter", message, { issues });
}

export function notFound(code: string, message: string, details?: unknown): ApiError {
  return new ApiError(404, code, message, details);
}
