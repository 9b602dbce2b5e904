import { Alert, Anchor, Button, Group, List, Loader, Stack, Text } from '@mantine/core';
import type { ConsumerAuthorizeMeta, ConsumerAuthorizeRequest } from 'fusio-sdk';
import { useEffect, useState } from 'react';
import { useSearchParams } from 'react-router';
import { AuthCard } from '../../../components/ui/auth-card';
import { errorMessage } from '../../../lib/api-client';
import { useSession } from '../../../lib/session';

/** What Portico forwards from /authorization/authorize besides the SDK's fields (docs/oauth.md). */
type AuthorizeRequest = ConsumerAuthorizeRequest & {
  codeChallenge?: string;
  codeChallengeMethod?: string;
  nonce?: string;
};

/**
 * The OAuth consent screen: the app, the scopes it asks for, allow or deny. Portico answers the decision
 * with the redirect back to the app (`code` and `state`, or `error=access_denied`), as RFC 6749 §4.1.2 says.
 */
export function ConsentScreen() {
  const [params] = useSearchParams();
  const { call } = useSession();
  const [meta, setMeta] = useState<ConsumerAuthorizeMeta | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const [busy, setBusy] = useState<'allow' | 'deny' | null>(null);
  const clientId = params.get('client_id') ?? '';
  const scope = params.get('scope') ?? '';

  useEffect(() => {
    if (!clientId) {
      setProblem('The request names no app (client_id is missing).');
      return;
    }
    let live = true;
    call((client) => client.consumer().account().getApp(clientId, scope))
      .then((found) => live && setMeta(found))
      .catch((error) => live && setProblem(errorMessage(error)));
    return () => {
      live = false;
    };
  }, [call, clientId, scope]);

  async function decide(allow: boolean) {
    setBusy(allow ? 'allow' : 'deny');
    setProblem(null);
    const request: AuthorizeRequest = {
      responseType: params.get('response_type') ?? 'code',
      clientId,
      redirectUri: params.get('redirect_uri') ?? undefined,
      scope,
      state: params.get('state') ?? undefined,
      allow,
    };
    for (const [field, name] of [
      ['codeChallenge', 'code_challenge'],
      ['codeChallengeMethod', 'code_challenge_method'],
      ['nonce', 'nonce'],
    ] as const) {
      const value = params.get(name);
      if (value !== null) request[field] = value;
    }
    try {
      const answer = await call((client) => client.consumer().account().authorize(request));
      if (!answer.redirectUri) throw new Error('Portico gave no address to return to');
      window.location.assign(answer.redirectUri);
    } catch (error) {
      setProblem(errorMessage(error));
      setBusy(null);
    }
  }

  const scopes = (meta?.scopes ?? []).filter((s) => s.name);
  return (
    <AuthCard title={meta?.name ? `Allow ${meta.name} to use your account?` : 'Authorize an app'}>
      {problem ? (
        <Alert color="red" role="alert" title="This request cannot be authorized">
          {problem}
        </Alert>
      ) : null}
      {!meta && !problem ? <Loader aria-label="Loading the app" /> : null}
      {meta ? (
        <Stack gap="sm">
          {meta.url ? (
            <Text size="sm">
              The app at{' '}
              <Anchor href={meta.url} rel="noopener noreferrer" target="_blank">
                {meta.url}
              </Anchor>{' '}
              asks for access.
            </Text>
          ) : null}
          {scopes.length > 0 ? (
            <>
              <Text fw={600}>It will be able to:</Text>
              <List spacing={4} aria-label="Requested scopes">
                {scopes.map((s) => (
                  <List.Item key={s.name}>
                    <Text span fw={500}>
                      {s.name}
                    </Text>
                    {s.description ? <Text span c="dimmed">{` — ${s.description}`}</Text> : null}
                  </List.Item>
                ))}
              </List>
            </>
          ) : (
            <Text>It asks only to know who you are.</Text>
          )}
          <Text size="sm" c="dimmed">
            You can withdraw the access at any time under Grants.
          </Text>
          <Group justify="flex-end">
            <Button variant="default" onClick={() => decide(false)} loading={busy === 'deny'} disabled={busy !== null}>
              Deny
            </Button>
            <Button onClick={() => decide(true)} loading={busy === 'allow'} disabled={busy !== null}>
              Allow
            </Button>
          </Group>
        </Stack>
      ) : null}
    </AuthCard>
  );
}
