import { promisify } from 'node:util';
import zlib from 'node:zlib';
import { FormData } from 'undici';
import { PorticoError } from '../../errors.js';
import { parseJsonText } from '../../json.js';

/** The content types an HTTP action can send upstream (Fusio's `type` choices). */
export const contentTypes = [
  'application/json',
  'application/x-www-form-urlencoded',
  'multipart/form-data',
  'text/plain',
  'application/xml',
  'application/octet-stream',
] as const;
export type ContentType = (typeof contentTypes)[number];

/** Scalar leaves of a value in PHP's bracket notation (`customer[name]`, `tags[0]`), as legacy forms expect. */
export function formFields(value: unknown): [string, string][] {
  const out: [string, string][] = [];
  const walk = (name: string, v: unknown): void => {
    if (v === undefined || v === null) return;
    if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) walk(`${name}[${i}]`, v[i]);
    } else if (typeof v === 'object' && !Buffer.isBuffer(v)) {
      for (const [k, child] of Object.entries(v as Record<string, unknown>)) walk(name ? `${name}[${k}]` : k, child);
    } else if (typeof v === 'boolean') {
      out.push([name, v ? '1' : '0']);
    } else {
      out.push([name, Buffer.isBuffer(v) ? v.toString('utf8') : String(v)]);
    }
  };
  if (value === null || typeof value !== 'object' || Array.isArray(value) || Buffer.isBuffer(value)) {
    throw new PorticoError('BAD_REQUEST', 'The request body must be an object to be sent as a form');
  }
  walk('', value);
  return out;
}

export function encodeForm(value: unknown): string {
  const params = new URLSearchParams();
  for (const [name, v] of formFields(value)) params.append(name, v);
  return params.toString();
}

export function encodeMultipart(value: unknown): FormData {
  const form = new FormData();
  for (const [name, v] of formFields(value)) form.append(name, v);
  return form;
}

/** A value in the given content type; undefined when there is nothing to send. */
export function encodeBody(
  value: unknown,
  type: ContentType,
): { body: string | Buffer | FormData; contentType: string | undefined } | undefined {
  if (value === undefined) return undefined;
  switch (type) {
    case 'application/x-www-form-urlencoded':
      return { body: encodeForm(value), contentType: type };
    case 'multipart/form-data':
      // undici writes the content type with its boundary
      return { body: encodeMultipart(value), contentType: undefined };
    case 'application/json':
      return { body: Buffer.isBuffer(value) ? value : JSON.stringify(value), contentType: type };
    default: {
      if (Buffer.isBuffer(value) || typeof value === 'string') return { body: value, contentType: type };
      return { body: JSON.stringify(value), contentType: type };
    }
  }
}

const inflaters: Record<string, (input: Buffer) => Promise<Buffer>> = {
  gzip: promisify(zlib.gunzip),
  'x-gzip': promisify(zlib.gunzip),
  deflate: promisify(zlib.inflate),
  br: promisify(zlib.brotliDecompress),
};

export function mediaTypeOf(contentType: string | string[] | undefined): string {
  const value = Array.isArray(contentType) ? contentType[0] : contentType;
  if (!value) return '';
  const semi = value.indexOf(';');
  return (semi === -1 ? value : value.slice(0, semi)).trim().toLowerCase();
}

export function isJsonMedia(type: string): boolean {
  return type === 'application/json' || type.endsWith('+json');
}

/** Upstream bytes as a value: JSON and forms parsed, other text as a string, nothing as undefined. */
export async function decodeBody(
  raw: Buffer,
  headers: Record<string, string | string[] | undefined>,
): Promise<unknown> {
  let bytes = raw;
  const encoding = String(headers['content-encoding'] ?? '')
    .trim()
    .toLowerCase();
  if (encoding && encoding !== 'identity') {
    const inflate = inflaters[encoding];
    if (!inflate) throw new PorticoError('BAD_GATEWAY', `The upstream answered with an unsupported encoding`);
    try {
      bytes = await inflate(bytes);
    } catch {
      throw new PorticoError('BAD_GATEWAY', 'The upstream answered with a corrupt compressed body');
    }
  }
  if (bytes.length === 0) return undefined;
  const type = mediaTypeOf(headers['content-type']);
  const text = bytes.toString('utf8');
  if (type === 'application/x-www-form-urlencoded') return Object.fromEntries(new URLSearchParams(text));
  if (isJsonMedia(type) || type === '') {
    try {
      return parseJsonText(text);
    } catch {
      if (type !== '')
        throw new PorticoError('BAD_GATEWAY', 'The upstream answered with invalid JSON (or JSON nested too deeply)');
      return text;
    }
  }
  return text;
}
