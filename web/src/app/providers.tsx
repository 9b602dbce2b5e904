import '@mantine/core/styles.css';
import { MantineProvider } from '@mantine/core';
import type { ReactNode } from 'react';
import { AboutProvider } from '../lib/branding';
import { brandTheme } from '../lib/theme';

/** What every app shares: branding from /system/about, Mantine themed by it. */
export function AppProviders({ children }: { children: ReactNode }) {
  return (
    <AboutProvider>
      {({ branding }) => (
        <MantineProvider theme={brandTheme(branding.primaryColor)} defaultColorScheme={branding.colorScheme}>
          {children}
        </MantineProvider>
      )}
    </AboutProvider>
  );
}
