import { Alert, Anchor, List, Loader, Stack, Text, Title } from '@mantine/core';
import { Link } from 'react-router';
import { useDocumentTitle } from '../../../lib/branding';
import { listForms } from '../api/forms';
import { usePublic } from './use-public';

/** The forms the administrators published: each sends its answers to an operation of the API. */
export function FormsScreen() {
  useDocumentTitle('Forms');
  const forms = usePublic(listForms, []);
  return (
    <Stack maw={860}>
      <Title order={1}>Forms</Title>
      {forms.state === 'loading' ? <Loader aria-label="Loading" /> : null}
      {forms.state === 'error' ? (
        <Alert color="red" role="alert" title="The forms could not be loaded">
          {forms.message}
        </Alert>
      ) : null}
      {forms.state === 'ready' ? (
        (forms.value.entry ?? []).length === 0 ? (
          <Text>There are no forms yet.</Text>
        ) : (
          <List>
            {(forms.value.entry ?? []).map((form) => (
              <List.Item key={form.id}>
                <Anchor component={Link} to={`/forms/${form.id}`}>
                  {form.name}
                </Anchor>
              </List.Item>
            ))}
          </List>
        )
      ) : null}
    </Stack>
  );
}
