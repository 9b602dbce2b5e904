import { createTheme, type MantineColorsTuple } from '@mantine/core';

function channels(hex: string): [number, number, number] {
  const n = Number.parseInt(hex.slice(1), 16);
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
}

function mix(from: [number, number, number], to: number, amount: number): string {
  const parts = from.map((c) => Math.round(c + (to - c) * amount));
  return `#${parts.map((c) => c.toString(16).padStart(2, '0')).join('')}`;
}

/** Ten shades around the brand colour (Mantine's palette shape), the colour itself at shade 6. */
export function brandShades(hex: string): MantineColorsTuple {
  const base = /^#[0-9a-fA-F]{6}$/.test(hex) ? channels(hex) : channels('#1c7ed6');
  const lighter = [0.9, 0.78, 0.64, 0.5, 0.34, 0.18].map((a) => mix(base, 255, a));
  const darker = [0.15, 0.3, 0.45].map((a) => mix(base, 0, a));
  return [...lighter, mix(base, 0, 0), ...darker] as unknown as MantineColorsTuple;
}

/** The company's colour as Mantine's primary colour. */
export function brandTheme(primaryColor: string) {
  return createTheme({
    primaryColor: 'brand',
    colors: { brand: brandShades(primaryColor) },
    primaryShade: { light: 6, dark: 5 },
    defaultRadius: 'md',
    fontFamily: 'system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif',
  });
}
