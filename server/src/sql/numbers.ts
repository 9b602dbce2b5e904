/** int8 and numeric as numbers when they fit exactly, else as strings. */
export function exactNumber(value: string): number | string {
  const n = Number(value);
  if (!Number.isFinite(n)) return value;
  const digits = value.replace(/^-/, '').replace('.', '').replace(/^0+/, '');
  return digits.length <= 15 ? n : value;
}
