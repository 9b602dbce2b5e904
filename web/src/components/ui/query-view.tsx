import { Alert, Button, Loader } from '@mantine/core';
import type { ReactNode } from 'react';
import type { Query } from '../../lib/use-api';

/** A loading indicator, the error with a retry, or the content. */
export function QueryView<T>({ query, children }: { query: Query<T>; children: (value: T) => ReactNode }) {
  if (query.state === 'loading') return <Loader aria-label="Loading" />;
  if (query.state === 'error') {
    return (
      <Alert color="red" role="alert" title="This could not be loaded">
        {query.message}{' '}
        <Button variant="subtle" size="compact-sm" onClick={query.reload}>
          Try again
        </Button>
      </Alert>
    );
  }
  return <>{children(query.value)}</>;
}
