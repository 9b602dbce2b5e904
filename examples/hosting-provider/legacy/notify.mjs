// Tells Portico that a server changed state: a signed POST to its callback operation, which turns it
// into the `server.state_changed` event developers subscribe webhooks to.
import { createHmac } from 'node:crypto';

/** The signature Portico's `hosting-state-callback` action checks: HMAC-SHA256 over id, state and time. */
export function sign(secret, id, state, at) {
  return createHmac('sha256', secret).update(`${id}.${state}.${at}`).digest('hex');
}

export function notifier({ callbackUrl, secret, log = console }) {
  return async function notify(server, requestedBy) {
    if (!callbackUrl) return;
    const at = Math.floor(Date.now() / 1000);
    const body = { id: server.id, state: server.state, at };
    if (requestedBy) body.requestedBy = Number(requestedBy);
    try {
      const res = await fetch(callbackUrl, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-hosting-signature': sign(secret, server.id, server.state, at),
        },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(10_000),
      });
      if (!res.ok) log.error(`state callback answered ${res.status}: ${await res.text()}`);
    } catch (error) {
      log.error(`state callback failed: ${error.message}`);
    }
  };
}
