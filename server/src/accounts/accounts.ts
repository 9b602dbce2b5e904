import type { Logger } from 'pino';
import { hashPassword } from '../auth/passwords.js';
import type { ChangeOrigin } from '../changes/unit.js';
import { Category, TokenStatus, UserStatus } from '../db/schema.js';
import { badRequest, PorticoError } from '../errors.js';
import type { Mailer } from '../mail/mailer.js';
import { appsUrl, type MailTemplate, renderMail } from '../mail/templates.js';
import type { UserDeps } from '../users/repository.js';
import { assertEmail, assertPassword, assertUserName, createUser, findUser } from '../users/repository.js';
import { assertCaptcha, type CaptchaDeps } from './captcha.js';
import { checkPassword, findUserByEmail, type LoginDeps } from './login.js';
import { accountName } from './throttle.js';
import { consumeAccountToken, issueAccountToken, latestAccountToken } from './tokens.js';

/** What sign-up, activation and password resets work with: users, login rules, mails and their outbox. */
export interface AccountDeps extends UserDeps, LoginDeps, CaptchaDeps {
  readonly config: { readonly publicUrl: string };
  readonly logger: Logger;
  readonly mailer: Mailer;
  readonly events: { enqueueJob(job: string, payload: unknown): Promise<string> };
}

/** How a new account becomes usable. */
export type SignupMode = 'mail' | 'admin' | 'open';

export function signupMode(platform: AccountDeps): SignupMode {
  if (platform.settings.boolean('user_admin_approval')) return 'admin';
  return platform.settings.boolean('user_approval') ? 'mail' : 'open';
}

/** At most one mail of a kind per account in this time, so nobody can flood a mailbox through the API. */
const mailCooldownMs = 60_000;
const noticeCooldownMs = 10 * 60_000;

export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

function mailParameters(platform: AccountDeps, user: { name: string; email: string }, token?: string) {
  return { name: user.name, email: user.email, apps_url: appsUrl(platform.config.publicUrl), token };
}

function accountMail(
  platform: AccountDeps,
  template: MailTemplate,
  user: { name: string; email: string },
  token?: string,
) {
  return renderMail(platform.settings, template, mailParameters(platform, user, token));
}

export interface Registration {
  name?: unknown;
  email?: unknown;
  password?: unknown;
  captcha?: unknown;
  ip: string;
}

/**
 * Self-service sign-up. Registering with an email that already has an account answers exactly like a
 * new registration and costs the same (one password hash, mail in the background); the owner of the
 * address gets a mail about it instead. A taken *name* is reported, since names are not secret and
 * the check happens before the email is looked at.
 */
export async function register(platform: AccountDeps, input: Registration): Promise<void> {
  await assertCaptcha(platform, input.captcha, input.ip);
  if (typeof input.name !== 'string' || input.name === '') throw badRequest('No username was provided');
  if (typeof input.email !== 'string' || input.email === '') throw badRequest('No email was provided');
  if (typeof input.password !== 'string' || input.password === '') throw badRequest('No password was provided');
  assertUserName(input.name);
  const email = normalizeEmail(input.email);
  assertEmail(email);
  assertPassword(platform, input.password);
  const { db } = platform;
  const roleName = platform.settings.string('role_default');
  const role = await db.selectFrom('roles').select('id').where('name', '=', roleName).executeTakeFirst();
  if (!role) throw new PorticoError('INTERNAL', 'Invalid default role configured');
  const nameTaken = await db.selectFrom('users').select('id').where('name', '=', input.name).executeTakeFirst();
  if (nameTaken) throw new PorticoError('CONFLICT', 'User name already exists');

  const existing = await findUserByEmail(db, email);
  if (existing) {
    await hashPassword(input.password);
    await queueAccountMail(platform, { kind: 'existing', userId: existing.id });
    return;
  }
  const mode = signupMode(platform);
  let userId: number;
  try {
    userId = await createUser(platform, {
      roleId: role.id,
      name: input.name,
      email,
      password: input.password,
      status: mode === 'open' ? UserStatus.active : UserStatus.disabled,
    });
  } catch (error) {
    // a concurrent sign-up took the address between the check and the insert: same answer as above
    const raced = error instanceof PorticoError && error.status === 409 ? await findUserByEmail(db, email) : undefined;
    if (!raced) throw error;
    await queueAccountMail(platform, { kind: 'existing', userId: raced.id });
    return;
  }
  if (mode === 'mail') await queueAccountMail(platform, { kind: 'activation', userId });
}

/** The account mails, as durable jobs: stored with the request, sent by any node, retried until done. */
export const accountMailJob = 'account-mail';

export type AccountMailJob =
  | { kind: 'activation'; userId: number }
  | { kind: 'existing'; userId: number }
  | { kind: 'reset'; email: string };

async function queueAccountMail(platform: AccountDeps, job: AccountMailJob): Promise<void> {
  await platform.events.enqueueJob(accountMailJob, job);
}

/** Runs one account-mail job: decides whether a mail is due, issues its token, sends it (throws to retry). */
export async function runAccountMailJob(platform: AccountDeps, payload: unknown): Promise<void> {
  const job = payload as AccountMailJob;
  const message =
    job.kind === 'activation'
      ? await activationMail(platform, job.userId)
      : job.kind === 'existing'
        ? await existingAccountMail(platform, job.userId)
        : await passwordResetMail(platform, job.email);
  if (message) await platform.mailer.send(message);
}

async function activationMail(platform: AccountDeps, userId: number) {
  const user = await platform.db.selectFrom('users').selectAll().where('id', '=', userId).executeTakeFirst();
  if (!user?.email || user.status !== UserStatus.disabled) return null;
  const token = await issueAccountToken(platform.db, platform.dialect, user.id, 'activate');
  return accountMail(platform, 'mail_register', { name: user.name, email: user.email }, token);
}

/** Someone signed up with a known address: a fresh activation link if it never was activated, else a notice. */
async function existingAccountMail(platform: AccountDeps, userId: number) {
  const { db, dialect } = platform;
  const user = await db.selectFrom('users').selectAll().where('id', '=', userId).executeTakeFirst();
  if (!user?.email || user.status === UserStatus.deleted) return null;
  const now = Date.now();
  const activation = await latestAccountToken(db, user.id, 'activate');
  if (user.status === UserStatus.disabled && activation && activation.used_at === null) {
    if (activation.created_at > now - mailCooldownMs) return null;
    const token = await issueAccountToken(db, dialect, user.id, 'activate');
    return accountMail(platform, 'mail_register', { name: user.name, email: user.email }, token);
  }
  const notice = await latestAccountToken(db, user.id, 'notice');
  if (notice && notice.created_at > now - noticeCooldownMs) return null;
  await issueAccountToken(db, dialect, user.id, 'notice');
  return accountMail(platform, 'mail_register_exists', { name: user.name, email: user.email });
}

/** An admin sends the activation link (again); waits for the mail server so the admin learns of failures. */
export async function resendActivationMail(platform: AccountDeps, userId: number): Promise<void> {
  const user = await findUser(platform, { id: userId });
  if (!user.email) throw badRequest('Provided user has no email configured');
  if (user.identity_id !== null) throw badRequest('Provided user is not a local user');
  const token = await issueAccountToken(platform.db, platform.dialect, user.id, 'activate');
  try {
    await platform.mailer.send(accountMail(platform, 'mail_register', { name: user.name, email: user.email }, token));
  } catch (error) {
    platform.logger.warn(
      { user: user.id, reason: error instanceof Error ? error.message : String(error) },
      'activation mail could not be sent',
    );
    throw new PorticoError('BAD_GATEWAY', 'The mail server did not accept the mail, please try again later');
  }
}

const invalidToken = () => badRequest('Invalid or expired token');

/** Activates the account a mailed token belongs to; the token works once. */
export async function activateAccount(platform: AccountDeps, token: unknown): Promise<void> {
  if (typeof token !== 'string' || token === '') throw badRequest('No token provided');
  await platform.db.transaction().execute(async (trx) => {
    const row = await consumeAccountToken(trx, token, 'activate');
    if (!row) throw invalidToken();
    const result = await trx
      .updateTable('users')
      .set({ status: UserStatus.active })
      .where('id', '=', row.user_id)
      .where('status', '!=', UserStatus.deleted)
      .executeTakeFirst();
    if (Number(result.numUpdatedRows) === 0) throw invalidToken();
  });
}

/**
 * Starts a password reset. The answer never depends on the address: the lookup, the token and the
 * mail all happen in the background, so a known and an unknown address look and time the same.
 */
export async function requestPasswordReset(platform: AccountDeps, email: unknown, captcha: unknown, ip: string) {
  await assertCaptcha(platform, captcha, ip);
  if (typeof email !== 'string' || email.trim() === '') throw badRequest('No email was provided');
  const address = email.trim();
  assertEmail(address);
  await queueAccountMail(platform, { kind: 'reset', email: address });
}

async function passwordResetMail(platform: AccountDeps, address: string) {
  const { db, dialect } = platform;
  const user = await findUserByEmail(db, address);
  if (!user?.email || user.identity_id !== null || user.status === UserStatus.deleted) return null;
  const latest = await latestAccountToken(db, user.id, 'reset');
  if (latest && latest.created_at > Date.now() - mailCooldownMs) return null;
  const token = await issueAccountToken(db, dialect, user.id, 'reset');
  return accountMail(platform, 'mail_pw_reset', { name: user.name, email: user.email }, token);
}

/** Sets a new password with a mailed token; every token of the account stops working. */
export async function executePasswordReset(platform: AccountDeps, token: unknown, newPassword: unknown): Promise<void> {
  if (typeof token !== 'string' || token === '') throw badRequest('No token was provided');
  if (typeof newPassword !== 'string' || newPassword === '') throw badRequest('Provided no new password');
  // checked before the token is used up, so a too-short password does not cost the user the link
  assertPassword(platform, newPassword);
  const hash = await hashPassword(newPassword);
  const user = await platform.db.transaction().execute(async (trx) => {
    const row = await consumeAccountToken(trx, token, 'reset');
    if (!row) throw invalidToken();
    const user = await trx.selectFrom('users').selectAll().where('id', '=', row.user_id).executeTakeFirst();
    if (!user || user.status === UserStatus.deleted) throw invalidToken();
    await trx.updateTable('users').set({ password: hash }).where('id', '=', user.id).execute();
    return user;
  });
  await platform.tokens.revokeWhere({ userId: user.id });
  // whoever proved the mailbox gets a fresh start at logging in
  await platform.loginThrottle.unlock(accountName(user.name, user));
}

/**
 * Changes the caller's password. A wrong old password counts as a failed login (a stolen session
 * must not become a password oracle); other login sessions end, personal tokens and apps keep working.
 */
export async function changeOwnPassword(
  platform: AccountDeps,
  caller: { userId: number; tokenId: string | undefined; ip: string },
  body: { oldPassword?: unknown; newPassword?: unknown; verifyPassword?: unknown },
): Promise<void> {
  const user = await findUser(platform, { id: caller.userId });
  const old = typeof body.oldPassword === 'string' ? body.oldPassword : '';
  if (!(await checkPassword(platform, { login: user.name, user }, old, caller.ip))) {
    throw badRequest('Old password does not match');
  }
  assertPassword(platform, body.newPassword);
  if (body.newPassword !== body.verifyPassword) throw badRequest('New password does not match the verify password');
  await platform.db
    .updateTable('users')
    .set({ password: await hashPassword(body.newPassword) })
    .where('id', '=', user.id)
    .execute();
  const sessions = await platform.db
    .selectFrom('tokens')
    .select('token_id')
    .where('user_id', '=', user.id)
    .where('category_id', '=', Category.consumer)
    .where('status', '=', TokenStatus.active)
    .execute();
  for (const session of sessions) {
    if (session.token_id !== caller.tokenId) await platform.tokens.revokeWhere({ tokenId: session.token_id });
  }
}

/** Updates what a developer may change about their own account: the email address. */
export async function updateOwnAccount(platform: AccountDeps, userId: number, email: unknown): Promise<void> {
  const user = await findUser(platform, { id: userId });
  if (email === undefined || email === null) return;
  if (typeof email !== 'string') throw badRequest('Invalid email format');
  const address = normalizeEmail(email);
  assertEmail(address);
  if (address === user.email) return;
  const taken = await findUserByEmail(platform.db, address);
  if (taken && taken.id !== user.id) throw new PorticoError('CONFLICT', 'User email already exists');
  await platform.db.transaction().execute(async (trx) => {
    await trx.updateTable('users').set({ email: address }).where('id', '=', user.id).execute();
    // reset links went to the old address
    await trx
      .deleteFrom('account_tokens')
      .where('user_id', '=', user.id)
      .where('purpose', '=', 'reset')
      .where('used_at', 'is', null)
      .execute();
  });
}

/** Changes the caller's own password; a wrong old password counts as a failed login. */
export async function changePassword(
  platform: AccountDeps,
  caller: { userId: number; ip: string },
  oldPassword: unknown,
  newPassword: unknown,
  verify: unknown,
  origin?: ChangeOrigin,
) {
  const row = await findUser(platform, { id: caller.userId });
  // a wrong old password counts as a failed login: a stolen session must not become a password oracle
  const old = typeof oldPassword === 'string' ? oldPassword : '';
  if (!(await checkPassword(platform, { login: row.name, user: row }, old, caller.ip))) {
    throw badRequest('Old password does not match');
  }
  assertPassword(platform, newPassword);
  if (newPassword !== verify) throw badRequest('New password does not match the verify password');
  const hash = await hashPassword(newPassword);
  await platform.changes.write(origin, async (unit) => {
    await unit.db.updateTable('users').set({ password: hash }).where('id', '=', caller.userId).execute();
    unit.target(caller.userId);
  });
}
