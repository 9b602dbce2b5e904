import http from 'node:http';
import { Client, CommonMessageException } from 'fusio-sdk';
import { HttpBearer } from 'sdkgen-client';
import type { Harness } from './harness.js';
import type { ReceivedMail, SmtpInbox } from './smtp-inbox.js';

/** The payload of a failed SDK call (Fusio's error body), or a failure if the call succeeded. */
export async function sdkError(promise: Promise<unknown>): Promise<{ success?: boolean; message?: string }> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof CommonMessageException) return error.getPayload();
    throw error;
  }
  throw new Error('expected the SDK call to fail');
}

/** The SDK, authenticated with a bearer token (a consumer login or a personal access token). */
export function bearerClient(h: Harness, token: string): Client {
  return new Client(h.baseUrl, new HttpBearer(token));
}

/** The token at the end of a link in a mail, e.g. `.../register/activate/<token>`. */
export function tokenFromLink(mail: ReceivedMail, path: string): string {
  const match = new RegExp(`${path.replace(/\//g, '\\/')}\\/([A-Za-z0-9_-]+)`).exec(mail.text);
  if (!match?.[1]) throw new Error(`no ${path} link in mail: ${mail.text}`);
  return match[1];
}

let counter = 0;

/** A unique developer (name, email) for one test. */
export function newDeveloper(prefix = 'dev') {
  counter += 1;
  const id = `${prefix}${process.pid}x${counter}${Math.random().toString(36).slice(2, 6)}`;
  return { name: id, email: `${id}@example.com`, password: `pw-${id}-long-enough` };
}

/** Registers through the SDK, follows the activation mail and logs in: a bearer SDK client and the user. */
export async function signUp(h: Harness, inbox: SmtpInbox, prefix?: string) {
  const dev = newDeveloper(prefix);
  await h.anonymous().consumer().account().register({ name: dev.name, email: dev.email, password: dev.password });
  const mail = await inbox.waitFor((m) => m.to.includes(dev.email) && m.text.includes('/register/activate/'));
  await h
    .anonymous()
    .consumer()
    .account()
    .activate({ token: tokenFromLink(mail, 'register/activate') });
  const jwt = await h.anonymous().consumer().account().login({ username: dev.name, password: dev.password });
  if (!jwt.token) throw new Error('login returned no token');
  return { ...dev, token: jwt.token, client: bearerClient(h, jwt.token) };
}

export interface CaptchaStandIn {
  readonly url: string;
  /** the form bodies it was asked to verify */
  readonly requests: URLSearchParams[];
  close(): Promise<void>;
}

/** A local stand-in for reCAPTCHA's siteverify: `pass` is a valid response, anything else is not. */
export async function startCaptchaStandIn(secret: string): Promise<CaptchaStandIn> {
  const requests: URLSearchParams[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const form = new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
      requests.push(form);
      const success = form.get('secret') === secret && form.get('response') === 'pass';
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify(success ? { success: true } : { success: false, 'error-codes': ['invalid-input-response'] }),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}/siteverify`,
    requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
