import { badRequest, PorticoError } from '../errors.js';
import { describeValidationError } from '../schema/json-schema.js';
import type { CompiledOperation } from './types.js';

/** Stage 4b: the body against the incoming schema, declared query parameters against their types. */
export function validateRequest(
  operation: CompiledOperation,
  body: unknown,
  query: Readonly<Record<string, string | string[] | undefined>>,
): void {
  for (const rule of operation.queryParameters) {
    const raw = query[rule.name];
    if (raw === undefined) continue;
    const value = Array.isArray(raw) ? raw[raw.length - 1] : raw;
    if (value === undefined) continue;
    const ok =
      rule.type === 'integer'
        ? /^-?\d{1,15}$/.test(value)
        : rule.type === 'number'
          ? value.trim() !== '' && Number.isFinite(Number(value))
          : rule.type === 'boolean'
            ? /^(true|false|1|0)$/.test(value)
            : true;
    if (!ok) throw badRequest(`Query parameter "${rule.name}" must be ${article(rule.type)} ${rule.type}`);
    if (rule.enum && !rule.enum.includes(value)) {
      throw badRequest(`Query parameter "${rule.name}" must be one of: ${rule.enum.join(', ')}`);
    }
  }
  const rule = operation.body;
  if (rule.kind !== 'schema') return;
  if (body === undefined) throw new PorticoError('VALIDATION_FAILED', 'Request body must not be empty');
  if (Buffer.isBuffer(body)) throw new PorticoError('UNSUPPORTED_MEDIA_TYPE', 'Request body must be JSON');
  if (!rule.validate(body)) {
    throw new PorticoError('VALIDATION_FAILED', describeValidationError(rule.validate.errors));
  }
}

function article(type: string): string {
  return type === 'integer' ? 'an' : 'a';
}
