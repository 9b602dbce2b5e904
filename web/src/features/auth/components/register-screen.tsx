import { Alert, Anchor, Button, PasswordInput, Stack, Text, TextInput } from '@mantine/core';
import { type FormEvent, useState } from 'react';
import { Link } from 'react-router';
import { AuthCard } from '../../../components/ui/auth-card';
import { type FormProblem, problemOf } from '../../../components/ui/form-helpers';
import { publicClient } from '../../../lib/api-client';
import { useAbout } from '../../../lib/branding';
import { Captcha } from './captcha';

type Field = 'name' | 'email' | 'password' | 'confirm' | 'captcha';
const fields: Record<Field, RegExp> = {
  captcha: /captcha/i,
  email: /e-?mail/i,
  password: /password/i,
  name: /user ?name|\bname\b/i,
  confirm: /^$/,
};

export function RegisterScreen() {
  const { branding } = useAbout();
  const [values, setValues] = useState({ name: '', email: '', password: '', confirm: '' });
  const [captcha, setCaptcha] = useState('');
  const [problem, setProblem] = useState<FormProblem<Field> | null>(null);
  const [busy, setBusy] = useState(false);
  const [done, setDone] = useState(false);
  const set = (field: keyof typeof values) => (e: { currentTarget: { value: string } }) => {
    const value = e.currentTarget.value;
    setValues((v) => ({ ...v, [field]: value }));
  };

  function check(): FormProblem<Field> | null {
    if (!values.name.trim()) return { field: 'name', message: 'Choose a user name' };
    if (!/^[^\s@]+@[^\s@]+$/.test(values.email.trim()))
      return { field: 'email', message: 'Enter a valid email address' };
    if (!values.password) return { field: 'password', message: 'Choose a password' };
    if (values.password !== values.confirm) return { field: 'confirm', message: 'The passwords do not match' };
    if (branding.captcha && !captcha) return { field: 'captcha', message: 'Please confirm you are a person' };
    return null;
  }

  async function submit(event: FormEvent) {
    event.preventDefault();
    const missing = check();
    setProblem(missing);
    if (missing) return;
    setBusy(true);
    try {
      await publicClient()
        .consumer()
        .account()
        .register({
          name: values.name.trim(),
          email: values.email.trim(),
          password: values.password,
          ...(branding.captcha ? { captcha } : {}),
        });
      setDone(true);
    } catch (error) {
      setProblem(problemOf(error, fields));
    } finally {
      setBusy(false);
    }
  }

  if (done) {
    return (
      <AuthCard title="Check your email">
        <Alert color="green" role="status">
          {branding.signup === 'open'
            ? 'Your account is ready.'
            : branding.signup === 'admin'
              ? 'Thank you. An administrator will activate your account; you will be able to log in then.'
              : `We sent a mail to ${values.email.trim()}. Open the link in it to activate your account.`}
        </Alert>
        <Anchor component={Link} to="/login">
          Go to log in
        </Anchor>
      </AuthCard>
    );
  }

  const errorOf = (field: Field) => (problem?.field === field ? problem.message : null);
  return (
    <AuthCard title="Create your account">
      <form onSubmit={submit} noValidate>
        <Stack gap="sm">
          {problem && problem.field === null ? (
            <Alert color="red" role="alert">
              {problem.message}
            </Alert>
          ) : null}
          <TextInput
            label="User name"
            name="name"
            autoComplete="username"
            value={values.name}
            onChange={set('name')}
            error={errorOf('name')}
            required
          />
          <TextInput
            label="Email"
            name="email"
            type="email"
            autoComplete="email"
            value={values.email}
            onChange={set('email')}
            error={errorOf('email')}
            required
          />
          <PasswordInput
            label="Password"
            name="password"
            autoComplete="new-password"
            value={values.password}
            onChange={set('password')}
            error={errorOf('password')}
            required
          />
          <PasswordInput
            label="Repeat the password"
            name="confirm"
            autoComplete="new-password"
            value={values.confirm}
            onChange={set('confirm')}
            error={errorOf('confirm')}
            required
          />
          {branding.captcha ? (
            <Captcha captcha={branding.captcha} onChange={setCaptcha} error={errorOf('captcha')} />
          ) : null}
          <Button type="submit" loading={busy}>
            Create account
          </Button>
        </Stack>
      </form>
      <Text size="sm">
        Already have an account?{' '}
        <Anchor component={Link} to="/login">
          Log in
        </Anchor>
      </Text>
    </AuthCard>
  );
}
