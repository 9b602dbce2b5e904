import type { ColumnType, Generated, Insertable, Selectable, Updateable } from 'kysely';

/**
 * The system database, as Kysely sees it. Times are epoch milliseconds (bigint) so they compare and
 * aggregate the same way on SQLite, PostgreSQL and MariaDB; JSON values are stored as text.
 */
type Id = Generated<number>;
type Flag = number; // 0 | 1 — portable boolean
type Millis = number;
type Json = string | null;

export interface CategoryTable {
  id: Id;
  status: ColumnType<number, number | undefined, number>;
  name: string;
}

export interface ScopeTable {
  id: Id;
  category_id: ColumnType<number, number | undefined, number>;
  status: ColumnType<number, number | undefined, number>;
  name: string;
  description: string;
  metadata: Json;
}

export interface ScopeOperationTable {
  id: Id;
  scope_id: number;
  operation_id: number;
  allow: Flag;
}

export interface OperationTable {
  id: Id;
  category_id: ColumnType<number, number | undefined, number>;
  status: ColumnType<number, number | undefined, number>;
  active: Flag;
  public: Flag;
  stability: number;
  description: string | null;
  http_method: string;
  http_path: string;
  http_code: number;
  name: string;
  parameters: Json;
  incoming: string | null;
  outgoing: string | null;
  throws: Json;
  action: string;
  costs: number | null;
  metadata: Json;
  updated_at: Millis;
  /** when the operation moved to deprecated or legacy (its Deprecation header's date), else null */
  deprecated_at: ColumnType<Millis | null, Millis | null | undefined, Millis | null>;
}

export interface ActionTable {
  id: Id;
  category_id: ColumnType<number, number | undefined, number>;
  status: ColumnType<number, number | undefined, number>;
  name: string;
  class: string;
  async: Flag;
  config: Json;
  metadata: Json;
  updated_at: Millis;
}

export interface SchemaTable {
  id: Id;
  category_id: ColumnType<number, number | undefined, number>;
  status: ColumnType<number, number | undefined, number>;
  name: string;
  source: string;
  form: Json;
  metadata: Json;
  updated_at: Millis;
}

export interface ConnectionTable {
  id: Id;
  category_id: ColumnType<number, number | undefined, number>;
  status: ColumnType<number, number | undefined, number>;
  name: string;
  class: string;
  /** encrypted at rest */
  config: Json;
  metadata: Json;
  updated_at: Millis;
}

export interface RoleTable {
  id: Id;
  category_id: ColumnType<number, number | undefined, number>;
  status: ColumnType<number, number | undefined, number>;
  name: string;
}

export interface RoleScopeTable {
  id: Id;
  role_id: number;
  scope_id: number;
}

/** The scopes a plan gives its subscribers (the plans room owns the rules; the rights check reads it). */
export interface PlanScopeTable {
  id: Id;
  plan_id: number;
  scope_id: number;
}

export interface UserTable {
  id: Id;
  role_id: number;
  plan_id: number | null;
  identity_id: number | null;
  status: number;
  remote_id: string | null;
  external_id: string | null;
  name: string;
  email: string | null;
  /** scrypt hash, never the password */
  password: string | null;
  points: number | null;
  metadata: Json;
  created_at: Millis;
}

export interface UserScopeTable {
  id: Id;
  user_id: number;
  scope_id: number;
}

export interface AppTable {
  id: Id;
  user_id: number;
  status: number;
  name: string;
  url: string;
  parameters: string | null;
  app_key: string;
  /** SHA-256 of the secret; the secret itself is shown once at creation */
  app_secret: string;
  metadata: Json;
  created_at: Millis;
}

export interface AppScopeTable {
  id: Id;
  app_id: number;
  scope_id: number;
}

export interface TokenTable {
  id: Id;
  category_id: ColumnType<number, number | undefined, number>;
  app_id: number | null;
  user_id: number;
  status: number;
  name: string | null;
  /** the JWT's jti */
  token_id: string;
  /** SHA-256 of the refresh token */
  refresh: string | null;
  scope: string;
  ip: string;
  expire: Millis;
  created_at: Millis;
}

export interface ConfigTable {
  id: Id;
  type: number;
  name: string;
  description: string;
  value: string;
}

export interface LogTable {
  id: Id;
  category_id: ColumnType<number, number | undefined, number>;
  operation_id: number | null;
  app_id: number | null;
  user_id: number | null;
  ip: string;
  user_agent: string;
  method: string;
  path: string;
  header: string;
  body: string | null;
  response_code: number | null;
  execution_time: number | null;
  date: Millis;
  /** 0 HTTP, 1 MCP tool call, 2 JSON-RPC (telemetry/request-log.ts `Channel`) */
  channel: ColumnType<number, number | undefined, number>;
}

export interface LogErrorTable {
  id: Id;
  log_id: number;
  message: string;
  trace: string;
  file: string;
  line: number;
  created_at: Millis;
}

export interface AuditTable {
  id: Id;
  app_id: number | null;
  user_id: number | null;
  ref_id: number | null;
  event: string;
  ip: string;
  message: string;
  content: string | null;
  date: Millis;
}

export interface SigningKeyTable {
  id: Id;
  kid: string;
  alg: string;
  private_jwk: string;
  public_jwk: string;
  status: number;
  created_at: Millis;
}

export interface ActionCommitTable {
  id: Id;
  action_id: number;
  user_id: number | null;
  prev_hash: string;
  commit_hash: string;
  config: string;
  /** the action's class when this commit was made (null: recorded before releases existed) */
  class: ColumnType<string | null, string | null | undefined, string | null>;
  created_at: Millis;
}

/** A release name on one commit of an action or a schema (`Api-Version: x.y.z` selects it). */
export interface TagTable {
  id: Id;
  commit_id: number;
  user_id: number | null;
  version: string;
  created_at: Millis;
}

export interface SchemaCommitTable {
  id: Id;
  schema_id: number;
  user_id: number | null;
  prev_hash: string;
  commit_hash: string;
  source: string;
  created_at: Millis;
}

export interface ChangeTable {
  id: Id;
  kind: string;
  node: string;
  created_at: Millis;
}

export interface Database {
  changes: ChangeTable;
  action_commits: ActionCommitTable;
  schema_commits: SchemaCommitTable;
  action_tags: TagTable;
  schema_tags: TagTable;
  categories: CategoryTable;
  scopes: ScopeTable;
  scope_operations: ScopeOperationTable;
  operations: OperationTable;
  actions: ActionTable;
  schemas: SchemaTable;
  connections: ConnectionTable;
  roles: RoleTable;
  role_scopes: RoleScopeTable;
  plan_scopes: PlanScopeTable;
  users: UserTable;
  user_scopes: UserScopeTable;
  apps: AppTable;
  app_scopes: AppScopeTable;
  tokens: TokenTable;
  config: ConfigTable;
  logs: LogTable;
  log_errors: LogErrorTable;
  audits: AuditTable;
  signing_keys: SigningKeyTable;
}

export type OperationRow = Selectable<OperationTable>;
export type NewOperation = Insertable<OperationTable>;
export type OperationUpdate = Updateable<OperationTable>;
export type ActionRow = Selectable<ActionTable>;
export type SchemaRow = Selectable<SchemaTable>;
export type ScopeRow = Selectable<ScopeTable>;
export type UserRow = Selectable<UserTable>;
export type AppRow = Selectable<AppTable>;
export type TokenRow = Selectable<TokenTable>;
export type RoleRow = Selectable<RoleTable>;
export type ConnectionRow = Selectable<ConnectionTable>;

/** Status values shared with Fusio's API. */
export const Status = {
  active: 1,
  deleted: 0,
} as const;

export const AppStatus = { active: 1, pending: 2, deactivated: 3, deleted: 4 } as const;
export const UserStatus = { active: 1, disabled: 2, deleted: 0 } as const;
export const TokenStatus = { active: 1, deleted: 2 } as const;

/** Fixed category ids: the platform's own operations, scopes and tokens are grouped by them. */
export const Category = { default: 1, backend: 2, consumer: 3, system: 4, authorization: 5 } as const;
export const categoryNames = ['default', 'backend', 'consumer', 'system', 'authorization'] as const;
/** The categories of the platform's own operations and scopes: administrators' things never go there. */
export const platformCategoryIds: readonly number[] = [
  Category.backend,
  Category.consumer,
  Category.system,
  Category.authorization,
];
/** A category an administrator's operations and scopes may be in: `default` or one they created. */
export const isUserCategory = (id: number): boolean => !platformCategoryIds.includes(id);
