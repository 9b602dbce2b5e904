import type { SystemAbout } from 'fusio-sdk';
import { createContext, type ReactNode, useContext, useEffect, useState } from 'react';
import { publicClient } from './api-client';

export interface FooterLink {
  label: string;
  url: string;
}

/** The `portal` block Portico adds to /system/about (docs/developer-portal.md). */
export interface Branding {
  title: string;
  logoUrl: string;
  primaryColor: string;
  footerLinks: FooterLink[];
  colorScheme: 'auto' | 'light' | 'dark';
  registration: boolean;
  captcha: { provider: 'recaptcha' | 'hcaptcha' | 'turnstile'; siteKey: string } | null;
  signup: 'mail' | 'admin' | 'open';
}

export const defaultBranding: Branding = {
  title: 'Developer portal',
  logoUrl: '',
  primaryColor: '#1c7ed6',
  footerLinks: [],
  colorScheme: 'auto',
  registration: true,
  captcha: null,
  signup: 'mail',
};

export interface About {
  about: SystemAbout | null;
  branding: Branding;
  loaded: boolean;
}

const AboutContext = createContext<About>({ about: null, branding: defaultBranding, loaded: false });

/** Loads /system/about once and hands its branding to the whole app. */
export function AboutProvider({ children }: { children: (about: About) => ReactNode }) {
  const [state, setState] = useState<About>({ about: null, branding: defaultBranding, loaded: false });
  useEffect(() => {
    let live = true;
    publicClient()
      .system()
      .meta()
      .getAbout()
      .then((about) => {
        const portal = (about as SystemAbout & { portal?: Partial<Branding> }).portal ?? {};
        if (live) setState({ about, branding: { ...defaultBranding, ...portal }, loaded: true });
      })
      .catch(() => {
        if (live) setState((s) => ({ ...s, loaded: true }));
      });
    return () => {
      live = false;
    };
  }, []);
  return <AboutContext.Provider value={state}>{children(state)}</AboutContext.Provider>;
}

export function useAbout(): About {
  return useContext(AboutContext);
}

/** The document's title: the screen's, then the portal's name. */
export function useDocumentTitle(title: string | null): void {
  const { branding } = useAbout();
  useEffect(() => {
    document.title = title ? `${title} · ${branding.title}` : branding.title;
  }, [title, branding.title]);
}
