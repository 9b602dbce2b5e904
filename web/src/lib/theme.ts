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

function luminance(hex: string): number {
  const [r, g, b] = channels(hex).map((c) => {
    const s = c / 255;
    return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  }) as [number, number, number];
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

/** WCAG contrast ratio of two colours. */
export function contrast(a: string, b: string): number {
  const [x, y] = [luminance(a), luminance(b)].sort((p, q) => q - p) as [number, number];
  return (x + 0.05) / (y + 0.05);
}

/** The first shade from 6 on that carries white text and sits on white at 4.5:1 (WCAG AA). */
function readableShade(shades: MantineColorsTuple): 6 | 7 | 8 | 9 {
  for (const shade of [6, 7, 8, 9] as const) if (contrast(shades[shade], '#ffffff') >= 4.5) return shade;
  return 9;
}

/** The company's colour as Mantine's primary colour, darkened where white text would not be readable. */
export function brandTheme(primaryColor: string) {
  const shades = brandShades(primaryColor);
  const shade = readableShade(shades);
  return createTheme({
    primaryColor: 'brand',
    colors: { brand: shades },
    primaryShade: { light: shade, dark: shade },
    // the required attribute says it; a "*" in every label's name helps no one using a screen reader
    components: {
      ...Object.fromEntries(
        ['TextInput', 'PasswordInput', 'Textarea', 'Select', 'MultiSelect', 'NumberInput', 'Checkbox'].map((name) => [
          name,
          { defaultProps: { withAsterisk: false } },
        ]),
      ),
      // links are told from text by their underline, not by colour alone (WCAG 1.4.1)
      Anchor: { defaultProps: { underline: 'always' } },
      // a light yellow alert's coloured title falls below 4.5:1; the text colour is readable on every one
      Alert: { styles: { title: { color: 'var(--mantine-color-text)' } } },
    },
    defaultRadius: 'md',
    fontFamily: 'system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif',
  });
}
