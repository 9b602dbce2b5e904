/**
 * Joins the Prometheus text of several workers into one exposition: every metric family once (its HELP and
 * TYPE lines from the first worker that has it), with each worker's samples labelled `worker="<id>"`.
 * Prometheus sums them with `sum without (worker) (...)`; a replaced worker's series simply end.
 */
export function mergeMetrics(parts: readonly { worker: number; text: string }[], extra = ''): string {
  const families = new Map<string, { help: string | null; type: string | null; samples: string[] }>();
  const familyOf = (name: string) => {
    let family = families.get(name);
    if (!family) {
      family = { help: null, type: null, samples: [] };
      families.set(name, family);
    }
    return family;
  };
  for (const { worker, text } of parts) {
    const label = `worker="${worker}"`;
    let current: string | null = null;
    for (const line of text.split('\n')) {
      if (line === '') continue;
      if (line.startsWith('# HELP ') || line.startsWith('# TYPE ')) {
        const rest = line.slice(7);
        const space = rest.indexOf(' ');
        const name = space === -1 ? rest : rest.slice(0, space);
        current = name;
        const family = familyOf(name);
        if (line[2] === 'H') family.help ??= line;
        else family.type ??= line;
        continue;
      }
      if (line.startsWith('#')) continue;
      const brace = line.indexOf('{');
      const space = line.indexOf(' ');
      const nameEnd = brace !== -1 && brace < space ? brace : space;
      if (nameEnd <= 0) continue;
      const name = line.slice(0, nameEnd);
      // _bucket, _sum and _count samples belong to the family declared above them
      const family = familyOf(current !== null && name.startsWith(current) ? current : name);
      family.samples.push(
        nameEnd === brace ? `${name}{${label},${line.slice(brace + 1)}` : `${name}{${label}}${line.slice(nameEnd)}`,
      );
    }
  }
  const out: string[] = [];
  for (const family of families.values()) {
    if (family.help) out.push(family.help);
    if (family.type) out.push(family.type);
    out.push(...family.samples);
  }
  return `${out.join('\n')}\n${extra}`;
}
