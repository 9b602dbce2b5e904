import { Checkbox, Fieldset, Stack, Text } from '@mantine/core';
import { QueryView } from '../../../components/ui/query-view';
import { useScopeChoices } from '../api/scopes';

/** Checkboxes for the scopes, each with what it grants. */
export function ScopePicker({
  value,
  onChange,
  error,
}: {
  value: string[];
  onChange(value: string[]): void;
  error?: string | null;
}) {
  const choices = useScopeChoices();
  return (
    <Fieldset legend="Scopes: what it may call">
      <QueryView query={choices}>
        {(categories) =>
          categories.length === 0 ? (
            <Text size="sm">There are no scopes you can give.</Text>
          ) : (
            <Checkbox.Group value={value} onChange={onChange} error={error} aria-label="Scopes">
              <Stack gap="xs">
                {categories.flatMap((category) =>
                  category.scopes.map((scope) => (
                    <Checkbox
                      key={`${category.name}-${scope.name}`}
                      value={scope.name}
                      label={scope.name}
                      description={scope.description || undefined}
                    />
                  )),
                )}
              </Stack>
            </Checkbox.Group>
          )
        }
      </QueryView>
    </Fieldset>
  );
}
