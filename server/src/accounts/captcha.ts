import type { Logger } from 'pino';
import { badRequest, PorticoError } from '../errors.js';
import type { Settings } from '../settings/settings.js';

export interface CaptchaDeps {
  readonly settings: Settings;
  readonly logger: Logger;
}

const defaultVerifyUrl = 'https://www.google.com/recaptcha/api/siteverify';

/**
 * The captcha hook of sign-up and password reset: with `recaptcha_secret` set, the client's captcha
 * response is checked at `recaptcha_verify_url` (reCAPTCHA's siteverify protocol, which hCaptcha and
 * Turnstile speak too); without a secret there is no captcha.
 */
export async function assertCaptcha(platform: CaptchaDeps, captcha: unknown, ip: string): Promise<void> {
  const secret = platform.settings.string('recaptcha_secret');
  if (secret === '') return;
  if (typeof captcha !== 'string' || captcha === '' || captcha.length > 8192) throw badRequest('Invalid captcha');
  const url = platform.settings.string('recaptcha_verify_url') || defaultVerifyUrl;
  let verdict: { success?: unknown };
  try {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: new URLSearchParams({ secret, response: captcha, remoteip: ip }),
      signal: AbortSignal.timeout(5_000),
      redirect: 'error',
    });
    if (!res.ok) throw new Error(`captcha service answered ${res.status}`);
    verdict = (await res.json()) as { success?: unknown };
  } catch (error) {
    platform.logger.warn({ reason: error instanceof Error ? error.message : String(error) }, 'captcha check failed');
    throw new PorticoError('SERVICE_UNAVAILABLE', 'The captcha could not be verified, please try again later');
  }
  if (verdict?.success !== true) throw badRequest('Invalid captcha');
}
