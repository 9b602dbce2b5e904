import { resendActivationMail } from '../../accounts/accounts.js';
import { entityRef } from '../../http/query.js';
import { findUser } from '../../users/repository.js';
import { message } from '../http.js';
import { idOrName, type SystemOperation, systemOperation } from '../system-operation.js';

/**
 * The admin side of self-service accounts (kept beside them, under the backend's path and scope):
 * sends a user a fresh activation link; the user becomes active when they follow it.
 */
export const backendUserResendOperations: SystemOperation[] = [
  systemOperation({
    name: 'backend.user.resend',
    method: 'POST',
    path: `/backend/user/$user_id<${idOrName}>/resend`,
    description: 'Sends the user a new activation mail',
    async handler({ platform, request }) {
      const user = await findUser(platform, entityRef(request.params.user_id));
      await resendActivationMail(platform, user.id);
      return message('Activation mail was successfully resent', user.id);
    },
  }),
];
