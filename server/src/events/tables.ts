import type { Generated, Selectable } from 'kysely';

/** An event actions may dispatch and developers may subscribe to (Fusio's fusio_event). */
export interface EventTable {
  id: Generated<number>;
  category_id: number;
  status: number;
  name: string;
  description: string;
  /** the schema describing the payload, for documentation */
  event_schema: string | null;
  metadata: string | null;
  updated_at: number;
}

/** Runs an action for every dispatch of an event (Fusio's fusio_trigger); `event` is the event's name. */
export interface TriggerTable {
  id: Generated<number>;
  category_id: number;
  status: number;
  name: string;
  event: string;
  action: string;
  metadata: string | null;
  updated_at: number;
}

/** An HTTP endpoint that receives an event (Fusio's fusio_webhook). */
export interface WebhookTable {
  id: Generated<number>;
  event_id: number;
  user_id: number;
  status: number;
  name: string;
  endpoint: string;
  /** the `whsec_…` signing secret, encrypted at rest */
  secret: string;
  created_at: number;
  updated_at: number;
}

/** The outbox: one row per dispatched event (or internal job), written before the request is answered. */
export interface EventMessageTable {
  id: Generated<number>;
  /** stable id sent as `webhook-id`, so receivers can drop duplicates */
  uid: string;
  kind: number;
  name: string;
  /** JSON; encrypted for internal jobs */
  payload: string;
  /** when set, only this user's webhooks receive the event */
  user_id: number | null;
  /** who dispatched it (the caller of the request), handed to triggers */
  origin_user_id: number | null;
  origin_app_id: number | null;
  /** 0 = waiting to be fanned out to webhooks and triggers, 1 = fanned out */
  state: number;
  claim_token: string | null;
  created_at: number;
}

/** One message to one webhook, trigger or job, with its attempts (Fusio's fusio_webhook_response). */
export interface EventDeliveryTable {
  id: Generated<number>;
  message_id: number;
  webhook_id: number | null;
  trigger_id: number | null;
  job: string | null;
  status: number;
  attempts: number;
  next_attempt_at: number;
  /** a worker holds the delivery until then; a crashed worker's deliveries are taken over after it */
  lease_until: number | null;
  claim_token: string | null;
  /** the last attempt's HTTP status, body excerpt and error */
  code: number | null;
  body: string | null;
  error: string | null;
  /** JSON list of every attempt: {attempt, code, error, excerpt, date, ms} */
  history: string | null;
  execute_date: number | null;
  created_at: number;
}

/** Runs an action on a cron schedule (Fusio's fusio_cronjob). */
export interface CronjobTable {
  id: Generated<number>;
  category_id: number;
  status: number;
  name: string;
  cron: string;
  action: string | null;
  execute_date: number | null;
  exit_code: number | null;
  metadata: string | null;
  updated_at: number;
}

export interface CronjobErrorTable {
  id: Generated<number>;
  cronjob_id: number;
  message: string;
  trace: string;
  file: string;
  line: number;
  created_at: number;
}

/** One row per executed tick: the unique (cronjob_id, scheduled_at) lets exactly one node run it. */
export interface CronjobRunTable {
  id: Generated<number>;
  cronjob_id: number;
  scheduled_at: number;
  node: string;
  started_at: number;
  finished_at: number | null;
  exit_code: number | null;
}

declare module '../db/schema.js' {
  interface Database {
    events: EventTable;
    triggers: TriggerTable;
    webhooks: WebhookTable;
    event_messages: EventMessageTable;
    event_deliveries: EventDeliveryTable;
    cronjobs: CronjobTable;
    cronjob_errors: CronjobErrorTable;
    cronjob_runs: CronjobRunTable;
  }
}

export type EventRow = Selectable<EventTable>;
export type TriggerRow = Selectable<TriggerTable>;
export type WebhookRow = Selectable<WebhookTable>;
export type EventMessageRow = Selectable<EventMessageTable>;
export type EventDeliveryRow = Selectable<EventDeliveryTable>;
export type CronjobRow = Selectable<CronjobTable>;

/** Fusio's status values. */
export const WebhookStatus = { active: 1, inactive: 2 } as const;
export const DeliveryStatus = { pending: 1, done: 2, exceeded: 3 } as const;
export const MessageKind = { event: 1, job: 2 } as const;
export const MessageState = { waiting: 0, fannedOut: 1 } as const;
export const ExitCode = { success: 0, error: 1 } as const;
