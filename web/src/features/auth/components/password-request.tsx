import { Alert, Anchor, Button, Stack, Text, TextInput } from '@mantine/core';
import { type FormEvent, useState } from 'react';
import { Link } from 'react-router';
import { AuthCard } from '../../../components/ui/auth-card';
import { type FormProblem, problemOf } from '../../../components/ui/form-helpers';
import { publicClient } from '../../../lib/api-client';
import { useAbout } from '../../../lib/branding';
import { Captcha } from './captcha';

type Field = 'email' | 'captcha';
const fields: Record<Field, RegExp> = { captcha: /captcha/i, email: /e-?mail/i };

/** Asks for a password reset mail; the answer is the same whether the address has an account or not. */
export function PasswordRequestScreen() {
  const { branding } = useAbout();
  const [email, setEmail] = useState('');
  const [captcha, setCaptcha] = useState('');
  const [problem, setProblem] = useState<FormProblem<Field> | null>(null);
  const [busy, setBusy] = useState(false);
  const [sent, setSent] = useState(false);

  async function submit(event: FormEvent) {
    event.preventDefault();
    const missing: FormProblem<Field> | null = !/^[^\s@]+@[^\s@]+$/.test(email.trim())
      ? { field: 'email', message: 'Enter the email address of your account' }
      : branding.captcha && !captcha
        ? { field: 'captcha', message: 'Please confirm you are a person' }
        : null;
    setProblem(missing);
    if (missing) return;
    setBusy(true);
    try {
      await publicClient()
        .consumer()
        .account()
        .requestPasswordReset({ email: email.trim(), ...(branding.captcha ? { captcha } : {}) });
      setSent(true);
    } catch (error) {
      setProblem(problemOf(error, fields));
    } finally {
      setBusy(false);
    }
  }

  if (sent) {
    return (
      <AuthCard title="Check your email">
        <Alert color="green" role="status">
          If {email.trim()} belongs to an account, a mail with a link to choose a new password is on its way.
        </Alert>
        <Anchor component={Link} to="/login">
          Back to log in
        </Anchor>
      </AuthCard>
    );
  }
  return (
    <AuthCard title="Reset your password">
      <Text size="sm">Enter the email address of your account. We will send you a link to choose a new password.</Text>
      <form onSubmit={submit} noValidate>
        <Stack gap="sm">
          {problem && problem.field === null ? (
            <Alert color="red" role="alert">
              {problem.message}
            </Alert>
          ) : null}
          <TextInput
            label="Email"
            name="email"
            type="email"
            autoComplete="email"
            value={email}
            onChange={(e) => setEmail(e.currentTarget.value)}
            error={problem?.field === 'email' ? problem.message : null}
            required
          />
          {branding.captcha ? (
            <Captcha
              captcha={branding.captcha}
              onChange={setCaptcha}
              error={problem?.field === 'captcha' ? problem.message : null}
            />
          ) : null}
          <Button type="submit" loading={busy}>
            Send the link
          </Button>
        </Stack>
      </form>
      <Anchor component={Link} to="/login" size="sm">
        Back to log in
      </Anchor>
    </AuthCard>
  );
}
