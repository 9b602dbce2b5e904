import { Input } from '@mantine/core';
import { useEffect, useRef, useState } from 'react';
import type { Branding } from '../../../lib/branding';

type Provider = NonNullable<Branding['captcha']>['provider'];

interface WidgetApi {
  render(element: HTMLElement, options: Record<string, unknown>): unknown;
}

const scripts: Record<Provider, { src: string; global: string }> = {
  recaptcha: { src: 'https://www.google.com/recaptcha/api.js?render=explicit', global: 'grecaptcha' },
  hcaptcha: { src: 'https://js.hcaptcha.com/1/api.js?render=explicit', global: 'hcaptcha' },
  turnstile: { src: 'https://challenges.cloudflare.com/turnstile/v0/api.js?render=explicit', global: 'turnstile' },
};

function loadScript(provider: Provider): Promise<WidgetApi> {
  const { src, global } = scripts[provider];
  const ready = () => (window as unknown as Record<string, WidgetApi | undefined>)[global];
  return new Promise((resolve, reject) => {
    if (!document.querySelector(`script[src="${src}"]`)) {
      const script = document.createElement('script');
      script.src = src;
      script.async = true;
      script.onerror = () => reject(new Error('The captcha could not be loaded'));
      document.head.append(script);
    }
    const started = Date.now();
    const poll = () => {
      const api = ready();
      if (api?.render) resolve(api);
      else if (Date.now() - started > 15_000) reject(new Error('The captcha could not be loaded'));
      else window.setTimeout(poll, 100);
    };
    poll();
  });
}

/**
 * The captcha Portico demands (reCAPTCHA, hCaptcha or Turnstile, told by /system/about); reports the
 * response token, or '' when it expires.
 */
export function Captcha({
  captcha,
  onChange,
  error,
}: {
  captcha: NonNullable<Branding['captcha']>;
  onChange(token: string): void;
  error?: string | null;
}) {
  const box = useRef<HTMLDivElement>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const report = useRef(onChange);
  report.current = onChange;

  useEffect(() => {
    let live = true;
    loadScript(captcha.provider)
      .then((api) => {
        if (!live || !box.current || box.current.childElementCount > 0) return;
        api.render(box.current, {
          sitekey: captcha.siteKey,
          callback: (token: string) => report.current(token),
          'expired-callback': () => report.current(''),
        });
      })
      .catch((e: Error) => live && setProblem(e.message));
    return () => {
      live = false;
    };
  }, [captcha.provider, captcha.siteKey]);

  return (
    <Input.Wrapper label="Confirm you are a person" error={problem ?? error}>
      <div ref={box} />
    </Input.Wrapper>
  );
}
