import '@mantine/core/styles.css';
import { type CSSVariablesResolver, MantineProvider } from '@mantine/core';
import type { ReactNode } from 'react';
import { AboutProvider } from '../lib/branding';
import { type SessionOptions, SessionProvider } from '../lib/session';
import { brandTheme } from '../lib/theme';

/** Secondary text and links dark (light) enough to read at 4.5:1, as axe checks. */
const readableVariables: CSSVariablesResolver = (theme) => ({
  variables: {},
  light: {
    '--mantine-color-dimmed': theme.colors.gray[7] ?? '#495057',
    '--mantine-color-anchor': 'var(--mantine-primary-color-filled)',
    '--mantine-color-error': theme.colors.red[9] ?? '#c92a2a',
  },
  dark: {
    '--mantine-color-dimmed': theme.colors.dark[1] ?? '#b8b8b8',
    '--mantine-color-anchor': 'var(--mantine-primary-color-3)',
    '--mantine-color-error': theme.colors.red[4] ?? '#ff8787',
  },
});

/** What every app shares: branding from /system/about, Mantine themed by it; the app's own session keeping. */
export function AppProviders({ children, session }: { children: ReactNode; session?: SessionOptions }) {
  return (
    <AboutProvider>
      {({ branding }) => (
        <MantineProvider
          theme={brandTheme(branding.primaryColor)}
          defaultColorScheme={branding.colorScheme}
          cssVariablesResolver={readableVariables}
        >
          <SessionProvider options={session}>{children}</SessionProvider>
        </MantineProvider>
      )}
    </AboutProvider>
  );
}
