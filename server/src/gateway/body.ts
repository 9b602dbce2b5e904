import secureJson from 'secure-json-parse';
import { PorticoError } from '../errors.js';
import { maxJsonDepth, nestsDeeperThan } from '../json.js';
import type { BodyRule } from './types.js';

function isJsonType(type: string): boolean {
  return type === 'application/json' || type.endsWith('+json');
}

function mediaType(contentType: string | undefined): string {
  if (!contentType) return '';
  const semi = contentType.indexOf(';');
  return (semi === -1 ? contentType : contentType.slice(0, semi)).trim().toLowerCase();
}

function tooDeep(): PorticoError {
  return new PorticoError('INVALID_JSON', `Request body is nested too deeply: at most ${maxJsonDepth} levels`);
}

export function parseJson(raw: Buffer): unknown {
  const text = raw.toString('utf8');
  if (nestsDeeperThan(text)) throw tooDeep();
  try {
    return secureJson.parse(text, undefined, { protoAction: 'remove', constructorAction: 'remove' });
  } catch (error) {
    throw new PorticoError('INVALID_JSON', `Request body is not valid JSON: ${(error as Error).message}`);
  }
}

function parseForm(raw: Buffer): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = Object.create(null);
  for (const [key, value] of new URLSearchParams(raw.toString('utf8'))) {
    const existing = out[key];
    if (existing === undefined) out[key] = value;
    else if (Array.isArray(existing)) existing.push(value);
    else out[key] = [existing, value];
  }
  return out;
}

/**
 * Stage 4a: the request body as the operation wants it. With a schema the body must be JSON (or a form,
 * which validates as an object of strings); a passthrough operation gets JSON and forms parsed, text as
 * a string and anything else as the raw bytes.
 */
export function parseBody(raw: Buffer | undefined, contentType: string | undefined, rule: BodyRule): unknown {
  if (raw === undefined || raw.length === 0) return undefined;
  const type = mediaType(contentType);
  if (type === '' || isJsonType(type)) {
    // no content type: try JSON, the API's language; a passthrough keeps what is not JSON as bytes
    if (type === '' && rule.kind === 'passthru') {
      const text = raw.toString('utf8');
      if (nestsDeeperThan(text)) throw tooDeep();
      try {
        return secureJson.parse(text, undefined, { protoAction: 'remove', constructorAction: 'remove' });
      } catch {
        return raw;
      }
    }
    return parseJson(raw);
  }
  if (type === 'application/x-www-form-urlencoded') return parseForm(raw);
  if (rule.kind === 'schema') {
    throw new PorticoError(
      'UNSUPPORTED_MEDIA_TYPE',
      `Content type ${type} is not supported here, send application/json`,
    );
  }
  if (type.startsWith('text/')) return raw.toString('utf8');
  return raw;
}
