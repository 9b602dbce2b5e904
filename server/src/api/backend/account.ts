import type { BackendAccountChangePassword, BackendUser } from 'fusio-sdk';
import { changePassword } from '../../accounts/accounts.js';
import { unauthorized } from '../../errors.js';
import { findUser, updateUser, userView } from '../../users/repository.js';
import { message } from '../http.js';
import { type SystemCall, type SystemOperation, systemOperation } from '../system-operation.js';

function currentUserId(call: SystemCall): number {
  if (!call.caller.user) throw unauthorized('Missing authorization header');
  return call.caller.user.id;
}

export const accountOperations: SystemOperation[] = [
  systemOperation({
    name: 'backend.account.get',
    method: 'GET',
    path: '/backend/account',
    async handler(call) {
      return userView(call.platform, await findUser(call.platform, { id: currentUserId(call) }), false);
    },
  }),
  systemOperation({
    name: 'backend.account.update',
    method: 'PUT',
    path: '/backend/account',
    incoming: {
      type: 'object',
      properties: { name: { type: 'string' }, email: { type: 'string' }, metadata: { type: 'object' } },
    },
    async handler(call) {
      const body = call.request.body as BackendUser;
      // an account may change how it is called and reached, not its role, status or scopes
      const id = await updateUser(
        call.platform,
        { id: currentUserId(call) },
        {
          name: body.name,
          email: body.email,
          metadata: body.metadata,
        },
        call,
      );
      return message('Account successfully updated', id);
    },
  }),
  systemOperation({
    name: 'backend.account.changePassword',
    method: 'PUT',
    path: '/backend/account/change_password',
    incoming: {
      type: 'object',
      properties: {
        oldPassword: { type: 'string' },
        newPassword: { type: 'string' },
        verifyPassword: { type: 'string' },
      },
      required: ['oldPassword', 'newPassword', 'verifyPassword'],
    },
    async handler(call) {
      const body = call.request.body as BackendAccountChangePassword;
      await changePassword(
        call.platform,
        { userId: currentUserId(call), ip: call.request.ip },
        body.oldPassword,
        body.newPassword,
        body.verifyPassword,
        call,
      );
      return message('Password successfully changed');
    },
  }),
];
