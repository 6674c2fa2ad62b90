// Checks at the queue's edge: a bad request or option is a ValidationError (422), never a crash later.
import { ValidationError } from '../errors.js';
import type { AsyncRequest } from './async-types.js';

const MAX_CALL_ID_LENGTH = 256;

export function validateRequest(req: AsyncRequest): void {
  if (!req || typeof req !== 'object') throw new ValidationError('async request must be an object');
  if (typeof req.functionName !== 'string' || req.functionName === '') {
    throw new ValidationError('async request needs a function name');
  }
  if (typeof req.callId !== 'string' || req.callId === '' || req.callId.length > MAX_CALL_ID_LENGTH) {
    throw new ValidationError(`X-Call-Id must be 1 to ${MAX_CALL_ID_LENGTH} characters`);
  }
  if (req.callbackUrl !== undefined) {
    let url: URL;
    try {
      url = new URL(req.callbackUrl);
    } catch {
      throw new ValidationError('X-Callback-Url is not a URL', { callbackUrl: req.callbackUrl });
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new ValidationError('X-Callback-Url must be http or https', { callbackUrl: req.callbackUrl });
    }
  }
}

export function positiveInt(value: number | undefined, fallback: number, name: string): number {
  const v = value ?? fallback;
  if (!Number.isInteger(v) || v < 1) throw new ValidationError(`${name} must be a whole number >= 1`, { [name]: value });
  return v;
}

export function nonNegativeInt(value: number | undefined, fallback: number, name: string): number {
  const v = value ?? fallback;
  if (!Number.isInteger(v) || v < 0) throw new ValidationError(`${name} must be a whole number >= 0`, { [name]: value });
  return v;
}
