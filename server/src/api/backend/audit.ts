import net from 'node:net';
import type { BackendAudit } from 'fusio-sdk';
import { containsIgnoreCase, pageOf } from '../../db/listing.js';
import { isoDate, parseJsonColumn } from '../../db/values.js';
import { notFound } from '../../errors.js';
import { filterByQuery, paging, queryString } from '../../http/query.js';
import { type SystemOperation, systemOperation } from '../system-operation.js';

interface AuditRowView {
  id: number;
  app_id: number | null;
  user_id: number | null;
  ref_id: number | null;
  event: string;
  ip: string;
  message: string;
  date: number;
}

type AuditView = BackendAudit & { appId?: number; userId?: number; refId?: number };

function summary(row: AuditRowView): AuditView {
  const audit: AuditView = {
    id: row.id,
    event: row.event,
    ip: row.ip,
    message: row.message,
    date: isoDate(row.date),
  };
  if (row.app_id !== null) audit.appId = row.app_id;
  if (row.user_id !== null) audit.userId = row.user_id;
  if (row.ref_id !== null) audit.refId = row.ref_id;
  return audit;
}

export const auditOperations: SystemOperation[] = [
  systemOperation({
    name: 'backend.audit.getAll',
    method: 'GET',
    path: '/backend/audit',
    description: 'Changes made through the backend API: filter by from/to, appId, userId, event, ip, message, search',
    async handler({ platform, request }) {
      const q = request.query;
      const page = paging(q);
      let query = platform.db.selectFrom('audits');
      query = filterByQuery(query, q, {
        from: ['since', 'date'],
        to: ['until', 'date'],
        appId: ['equals', 'app_id'],
        userId: ['equals', 'user_id'],
        event: ['contains', 'event'],
      });
      let ip = queryString(q, 'ip');
      let text = queryString(q, 'message');
      // Fusio's search: comma-separated terms, IP addresses filter the address, anything else the message
      if (page.search) {
        for (const part of page.search.split(',').map((p) => p.trim())) {
          if (net.isIP(part)) ip = part;
          else if (part !== '') text = page.search;
        }
      }
      if (ip) query = query.where('ip', '=', ip);
      if (text) query = query.where(containsIgnoreCase('message', text));
      return pageOf(query, page, summary);
    },
  }),
  systemOperation({
    name: 'backend.audit.get',
    method: 'GET',
    path: '/backend/audit/$audit_id<[0-9]+>',
    description:
      'One change: who (user, app, address), what (event, target id, the request body with secrets masked), when',
    async handler({ platform, request }) {
      const row = await platform.db
        .selectFrom('audits')
        .selectAll()
        .where('id', '=', Number(request.params.audit_id))
        .executeTakeFirst();
      if (!row) throw notFound('Could not find audit');
      const [user, app] = await Promise.all([
        row.user_id === null
          ? undefined
          : platform.db
              .selectFrom('users')
              .select(['id', 'status', 'name'])
              .where('id', '=', row.user_id)
              .executeTakeFirst(),
        row.app_id === null
          ? undefined
          : platform.db
              .selectFrom('apps')
              .select(['id', 'status', 'name'])
              .where('id', '=', row.app_id)
              .executeTakeFirst(),
      ]);
      const audit: AuditView = summary(row);
      if (user) audit.user = { id: user.id, status: user.status, name: user.name };
      if (app) audit.app = { id: app.id, status: app.status, name: app.name };
      const content = parseJsonColumn<Record<string, unknown>>(row.content);
      if (content !== undefined) audit.content = content;
      return audit;
    },
  }),
];
