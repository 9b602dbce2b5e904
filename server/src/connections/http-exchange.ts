import { Readable } from 'node:stream';
import type { Dispatcher } from 'undici';

/** Answers up to this size with a Content-Length are read whole before they are handed over; larger ones stream. */
export const smallBody = 64 * 1024;

export type UpstreamHeaders = Readonly<Record<string, string | string[] | undefined>>;

/** An upstream's answer: a small body arrives whole (`bytes`), any other streams (`stream`). */
export interface UpstreamResponse {
  readonly statusCode: number;
  readonly headers: UpstreamHeaders;
  readonly bytes: Buffer | null;
  readonly stream: Readable | null;
}

/**
 * One request on undici's dispatch API. Cheaper than `request()` on the hot path: a small answer of
 * known size is collected into one buffer (no stream is built for it), a large or open-ended one becomes
 * a Readable with backpressure (the socket pauses while the caller is slow), and destroying that
 * Readable aborts the upstream request.
 */
export function exchange(dispatcher: Dispatcher, options: Dispatcher.DispatchOptions): Promise<UpstreamResponse> {
  return new Promise((resolve, reject) => {
    let chunks: Buffer[] = [];
    let stream: Readable | null = null;
    let finished = false;
    let statusCode = 0;
    let headers: UpstreamHeaders = {};
    const handler: Dispatcher.DispatchHandler = {
      // its presence tells undici this handler speaks the controller API
      onRequestStart() {},
      onResponseStart(controller, status, responseHeaders) {
        // 1xx answers are interim: the real one follows
        if (status < 200) return;
        statusCode = status;
        headers = responseHeaders as UpstreamHeaders;
        const length = Number(responseHeaders['content-length']);
        if (responseHeaders['content-length'] !== undefined && length >= 0 && length <= smallBody) return;
        stream = new Readable({
          read: () => controller.resume(),
          destroy: (error, callback) => {
            if (!finished) {
              finished = true;
              controller.abort(error ?? new Error('The response body was not read to its end'));
            }
            callback(error);
          },
        });
        resolve({ statusCode, headers, bytes: null, stream });
      },
      onResponseData(controller, chunk) {
        if (stream) {
          if (!stream.push(chunk)) controller.pause();
        } else chunks.push(chunk);
      },
      onResponseEnd() {
        finished = true;
        if (stream) {
          stream.push(null);
          return;
        }
        const bytes = chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks);
        chunks = [];
        resolve({ statusCode, headers, bytes, stream: null });
      },
      onResponseError(_controller, error) {
        finished = true;
        if (stream) stream.destroy(error);
        else reject(error);
      },
    };
    dispatcher.dispatch(options, handler);
  });
}

/** Lets go of an answer nobody reads: a short rest is drained so the socket can be reused. */
export async function discard(response: UpstreamResponse, limit = 128 * 1024): Promise<void> {
  const stream = response.stream;
  if (!stream || stream.destroyed) return;
  let size = 0;
  try {
    for await (const chunk of stream) {
      size += (chunk as Buffer).length;
      if (size > limit) break;
    }
  } catch {
    // a broken body is as good as a read one here
  }
  stream.destroy();
}

/** The whole body, refusing more than `limit` bytes; `tooLarge` builds the error. */
export async function readAll(response: UpstreamResponse, limit: number, tooLarge: () => Error): Promise<Buffer> {
  if (response.bytes) {
    if (response.bytes.length > limit) throw tooLarge();
    return response.bytes;
  }
  const stream = response.stream;
  if (!stream) return Buffer.alloc(0);
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of stream) {
      size += (chunk as Buffer).length;
      if (size > limit) throw tooLarge();
      chunks.push(chunk as Buffer);
    }
  } finally {
    stream.destroy();
  }
  return chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks);
}
