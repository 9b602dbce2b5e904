/** A value Stripe's form encoding can carry: nested objects and arrays become `a[b][0]=…`. */
export type FormValue = string | number | boolean | null | undefined | FormValue[] | { [key: string]: FormValue };

/** Encodes parameters the way Stripe's API reads them (application/x-www-form-urlencoded, bracket nesting). */
export function stripeForm(params: Record<string, FormValue>): string {
  const out = new URLSearchParams();
  const add = (key: string, value: FormValue) => {
    if (value === undefined || value === null) return;
    if (Array.isArray(value)) {
      for (const [index, item] of value.entries()) add(`${key}[${index}]`, item);
    } else if (typeof value === 'object') {
      for (const [name, item] of Object.entries(value)) add(`${key}[${name}]`, item);
    } else {
      out.append(key, String(value));
    }
  };
  for (const [key, value] of Object.entries(params)) add(key, value);
  return out.toString();
}
