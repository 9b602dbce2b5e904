import { Select } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { useEffect, useState } from 'react';
import { type Collection, useBackendGet } from './backend-api';

interface Named {
  id?: number;
  name?: string;
  httpMethod?: string;
  httpPath?: string;
}

function labelOf(item: Named): string {
  if (item.httpMethod && item.httpPath) return `${item.name ?? item.id} (${item.httpMethod} ${item.httpPath})`;
  return item.name ?? String(item.id);
}

/**
 * Picks one operation, app, user, … by name, searched on the server (lists of 10,000 stay fast); the value
 * is its id. An id given from outside (a link) is looked up once for its name.
 */
export function EntitySelect({
  label,
  entity,
  value,
  onChange,
  placeholder = 'Any',
  description,
}: {
  label: string;
  /** the collection under /backend/ (operation, app, user, …) */
  entity: string;
  value: string | null;
  onChange(value: string | null, item: Named | null): void;
  placeholder?: string;
  description?: string;
}) {
  const get = useBackendGet();
  const [search, setSearch] = useState('');
  const [debounced] = useDebouncedValue(search, 250);
  const [items, setItems] = useState<Named[]>([]);
  const [known, setKnown] = useState<Map<string, Named>>(new Map());

  useEffect(() => {
    let live = true;
    get<Collection<Named>>(`/backend/${entity}`, { startIndex: 0, count: 20, search: debounced || undefined })
      .then((page) => live && setItems(page.entry ?? []))
      .catch(() => live && setItems([]));
    return () => {
      live = false;
    };
  }, [get, entity, debounced]);

  // a value from a link: its name comes from the entity itself
  useEffect(() => {
    if (!value || known.has(value) || items.some((i) => String(i.id) === value)) return;
    let live = true;
    get<Named>(`/backend/${entity}/${encodeURIComponent(value)}`)
      .then((item) => live && setKnown((m) => new Map(m).set(value, item)))
      .catch(() => live && setKnown((m) => new Map(m).set(value, { id: Number(value), name: `#${value}` })));
    return () => {
      live = false;
    };
  }, [get, entity, value, items, known]);

  const all = new Map<string, Named>();
  for (const item of [...known.values(), ...items]) if (item.id !== undefined) all.set(String(item.id), item);
  const data = [...all.entries()].map(([id, item]) => ({ value: id, label: labelOf(item) }));

  return (
    <Select
      label={label}
      description={description}
      placeholder={placeholder}
      data={data}
      value={value}
      searchable
      clearable
      searchValue={search}
      onSearchChange={setSearch}
      // the server searched already
      filter={({ options }) => options}
      nothingFoundMessage="Nothing found"
      onChange={(next) => onChange(next, next ? (all.get(next) ?? null) : null)}
    />
  );
}
