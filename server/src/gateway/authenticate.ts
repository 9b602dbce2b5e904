import { anonymousCaller, type Caller } from '../auth/caller.js';
import type { TokenService, VerifiedToken } from '../auth/tokens.js';
import { unauthorized } from '../errors.js';
import type { CompiledOperation } from './types.js';

const challenge = { 'WWW-Authenticate': 'Bearer realm="Portico"' };

/** One Caller per verified token, so a token seen again costs no allocation. */
const callers = new WeakMap<VerifiedToken, Caller>();

function callerOf(verified: VerifiedToken): Caller {
  let caller = callers.get(verified);
  if (!caller) {
    caller = {
      user: { id: verified.userId, name: verified.userName, email: verified.email },
      app: verified.appId !== null && verified.appKey !== null ? { id: verified.appId, key: verified.appKey } : null,
      token: verified,
      scopes: verified.scopes,
    };
    callers.set(verified, caller);
  }
  return caller;
}

/**
 * Stage 2: who is calling. A public operation lets anyone in (a valid token still identifies the
 * caller); every other operation needs a valid bearer token issued by this Portico. A token seen before
 * is answered without waiting (the common case); a new one is verified asynchronously.
 */
export function authenticate(
  authorization: string | undefined,
  operation: CompiledOperation,
  tokens: TokenService,
): Caller | Promise<Caller> {
  if (!authorization) {
    if (operation.public) return anonymousCaller;
    throw unauthorized('Missing authorization header', challenge);
  }
  const space = authorization.indexOf(' ');
  const scheme = space === -1 ? authorization : authorization.slice(0, space);
  const token = space === -1 ? '' : authorization.slice(space + 1).trim();
  if (scheme.length !== 6 || scheme.toLowerCase() !== 'bearer') {
    if (operation.public) return anonymousCaller;
    throw unauthorized('Invalid authorization type', challenge);
  }
  if (token === '') {
    if (operation.public) return anonymousCaller;
    throw unauthorized('No authorization token was provided', challenge);
  }
  try {
    const known = tokens.verifiedBefore(token);
    if (known) return callerOf(known);
  } catch (error) {
    if (operation.public) return anonymousCaller;
    throw error;
  }
  return tokens.verify(token).then(callerOf, (error: unknown) => {
    if (operation.public) return anonymousCaller;
    throw error;
  });
}
