import { MultiSelect, Select, TagsInput } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import type { Client } from 'fusio-sdk';
import { type ReactNode, useEffect, useMemo, useState } from 'react';
import { useSession } from '../../../lib/session';

export interface Option {
  value: string;
  label: string;
}

/** Options searched on the server: the first page that matches what was typed (never the whole table). */
export type OptionSource = (client: Client, search: string) => Promise<Option[]>;

/** The label of a value that is not among the options loaded so far (the current user of an app). */
export type LabelSource = (client: Client, value: string) => Promise<string>;

interface Common {
  label: string;
  description?: ReactNode;
  error?: ReactNode;
  required?: boolean;
  disabled?: boolean;
  placeholder?: string;
}

// the server filters: Mantine must not filter its answer again
const serverFiltered = ({ options }: { options: unknown[] }) => options as never;

/** Loads `source` for the typed text (debounced), keeping what is selected among the options. */
function useRemoteOptions(source: OptionSource, search: string, keep: Option[]) {
  const { call } = useSession();
  const [debounced] = useDebouncedValue(search, 250);
  const [found, setFound] = useState<Option[]>([]);
  const [loading, setLoading] = useState(false);
  const [failed, setFailed] = useState<string | null>(null);
  useEffect(() => {
    let live = true;
    setLoading(true);
    call((client) => source(client, debounced))
      .then((options) => {
        if (!live) return;
        setFound(options);
        setFailed(null);
      })
      .catch(() => live && setFailed('The choices could not be loaded'))
      .finally(() => live && setLoading(false));
    return () => {
      live = false;
    };
  }, [call, source, debounced]);
  const data = useMemo(() => {
    const seen = new Set(found.map((o) => o.value));
    return [...found, ...keep.filter((o) => !seen.has(o.value))];
  }, [found, keep]);
  return { data, loading, failed };
}

/** One value chosen from another entity, searched on the server. */
export function RemoteSelect({
  source,
  labelOf,
  value,
  onChange,
  clearable,
  ...common
}: Common & {
  source: OptionSource;
  labelOf?: LabelSource;
  value: string | null;
  onChange(value: string | null): void;
  clearable?: boolean;
}) {
  const { call } = useSession();
  const [search, setSearch] = useState('');
  const [current, setCurrent] = useState<Option | null>(null);
  // the chosen value keeps its label even when the search no longer finds it
  useEffect(() => {
    if (value === null || value === '') return setCurrent(null);
    if (current?.value === value) return;
    if (!labelOf) return setCurrent({ value, label: value });
    let live = true;
    call((client) => labelOf(client, value))
      .then((label) => live && setCurrent({ value, label }))
      .catch(() => live && setCurrent({ value, label: value }));
    return () => {
      live = false;
    };
  }, [value, labelOf, call, current?.value]);
  const keep = useMemo(() => (current ? [current] : []), [current]);
  const typed = search === current?.label ? '' : search;
  const { data, loading, failed } = useRemoteOptions(source, typed, keep);
  return (
    <Select
      {...common}
      error={common.error ?? failed}
      data={data}
      value={value === '' ? null : value}
      onChange={(next, option) => {
        if (option) setCurrent(option);
        onChange(next);
      }}
      searchable
      searchValue={search}
      onSearchChange={setSearch}
      filter={serverFiltered}
      clearable={clearable}
      nothingFoundMessage={loading ? 'Searching…' : 'Nothing found'}
      comboboxProps={{ withinPortal: true }}
    />
  );
}

/** Several values of another entity (scopes by name), searched on the server; `creatable` allows new names. */
export function RemoteMultiSelect({
  source,
  value,
  onChange,
  creatable,
  ...common
}: Common & {
  source: OptionSource;
  value: string[];
  onChange(value: string[]): void;
  creatable?: boolean;
}) {
  const [search, setSearch] = useState('');
  const keep = useMemo(() => value.map((v) => ({ value: v, label: v })), [value]);
  const { data, failed } = useRemoteOptions(source, search, keep);
  if (creatable) {
    return (
      <TagsInput
        {...common}
        error={common.error ?? failed}
        data={data.map((o) => o.value)}
        value={value}
        onChange={onChange}
        searchValue={search}
        onSearchChange={setSearch}
        filter={serverFiltered}
        clearable
        acceptValueOnBlur
      />
    );
  }
  return (
    <MultiSelect
      {...common}
      error={common.error ?? failed}
      data={data}
      value={value}
      onChange={onChange}
      searchable
      searchValue={search}
      onSearchChange={setSearch}
      filter={serverFiltered}
      clearable
      nothingFoundMessage="Nothing found"
    />
  );
}
