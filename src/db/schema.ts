import type { Generated, Insertable, Selectable, Updateable } from 'kysely';

/**
 * Row types of every table. Booleans are stored as 0/1 integers and timestamps as
 * ISO-8601 UTC text (`Date#toISOString`) on both SQLite and PostgreSQL, so that one
 * query layer reads the same values from either store (docs/decisions/002).
 */
export interface Database {
  operators: OperatorTable;
  users: UserTable;
  password_history: PasswordHistoryTable;
  sessions: SessionTable;
  audit_records: AuditRecordTable;
  mail_outbox: MailOutboxTable;
  used_action_tokens: UsedActionTokenTable;
  rate_limits: RateLimitTable;
  server_keys: ServerKeyTable;
  totp_factors: TotpFactorTable;
  recovery_codes: RecoveryCodeTable;
  login_challenges: LoginChallengeTable;
  passkeys: PasskeyTable;
  passkey_challenges: PasskeyChallengeTable;
}

export interface ServerKeyTable {
  name: string;
  /** 32 random bytes, base64url. */
  key_value: string;
  created_at: string;
}

export type Flag = 0 | 1;

export interface OperatorTable {
  operator_code: string;
  operator_name: string;
  created_at: string;
  /** SPEC D-22: every user of the operator must have a second factor. */
  second_factor_required: Generated<Flag>;
}

export interface UserTable {
  user_id: string;
  operator_code: string;
  role: 'admin' | 'general';
  department: string;
  user_name: string;
  /** NFKC + lower case: width-insensitive search key (SPEC D-8). */
  user_name_key: string;
  phone: string | null;
  email: string;
  enabled: Flag;
  valid_from: string;
  valid_to: string;
  locked: Flag;
  failed_login_count: number;
  deleted: Flag;
  deleted_at: string | null;
  password_hash: string;
  password_is_temporary: Flag;
  temporary_password_expires_at: string | null;
  password_changed_at: string;
  version: number;
  created_at: string;
  updated_at: string;
  /** The latest successful login (when and from where): the next session's 前回ログイン. */
  last_login_at: string | null;
  last_login_ip: string | null;
}

export interface PasswordHistoryTable {
  id: Generated<number>;
  user_id: string;
  password_hash: string;
  created_at: string;
}

export interface SessionTable {
  /** SHA-256 of the session token, hex; the token itself is never stored. */
  id: string;
  user_id: string;
  created_at: string;
  last_seen_at: string;
  ip: string;
  user_agent: string;
  /** The user's login before this session's (前回ログイン on TOP); null at a first login. */
  previous_login_at: string | null;
  previous_login_ip: string | null;
}

export interface AuditRecordTable {
  id: Generated<number>;
  occurred_at: string;
  actor_user_id: string | null;
  operator_code: string | null;
  ip: string | null;
  action: string;
  target_user_id: string | null;
  outcome: 'success' | 'failure';
  detail: string;
}

export interface MailOutboxTable {
  id: Generated<number>;
  created_at: string;
  event: string;
  recipient: string;
  subject: string;
  body: string;
  status: 'pending' | 'sending' | 'sent' | 'failed';
  attempts: number;
  next_attempt_at: string;
  locked_until: string | null;
  last_error: string | null;
  sent_at: string | null;
  message_id: string;
}

/** SPEC D-18: the IDs of signed confirmation tokens already executed (at most once). */
export interface UsedActionTokenTable {
  token_id: string;
  session_id: string;
  /** The form the confirmation came from, when it has one (register, bulk register). */
  form_id: string | null;
  used_at: string;
  /** When the token would have expired anyway: housekeeping removes the row after. */
  expires_at: string;
}

export interface RateLimitTable {
  key: string;
  count: number;
  window_ends_at: string;
}

/** SPEC D-22: the user's authenticator app (TOTP, RFC 6238). */
export interface TotpFactorTable {
  user_id: string;
  /** The base32 secret, encrypted (src/lib/secret-box.ts), bound to the user. */
  secret: string;
  created_at: string;
  /** Null while the enrolment waits for its first code. */
  enabled_at: string | null;
  /** The last time step (30 s since 1970) accepted: a code is used once (replay refused). */
  last_used_step: number | string | null;
}

/** One-time recovery codes, as argon2id hashes. */
export interface RecoveryCodeTable {
  id: Generated<number>;
  user_id: string;
  code_hash: string;
  created_at: string;
  used_at: string | null;
}

/** The step between a right password and the code: not a session (SPEC D-22). */
export interface LoginChallengeTable {
  /** SHA-256 of the challenge cookie's token. */
  id: string;
  user_id: string;
  /** SHA-256 of the pre-session cookie the password was posted with. */
  pre_session: string;
  next_path: string | null;
  /** 0 when the password was wrong: the code step then fails whatever the code. */
  password_ok: Generated<Flag>;
  created_at: string;
  expires_at: string;
}

/** SPEC D-22: a passkey (WebAuthn credential) of a user; a user may have several. */
export interface PasskeyTable {
  id: Generated<number>;
  user_id: string;
  /** base64url, as the browser names the credential. */
  credential_id: string;
  /** The COSE public key, base64url. */
  public_key: string;
  /** The authenticator's signature counter (0 for authenticators that keep none). */
  counter: number | string;
  /** The transports the browser reported, comma-separated (hints for the next login). */
  transports: string;
  /** WebAuthn Level 3 BE flag at registration: it may never change for a credential. */
  backup_eligible: Flag;
  /** BS flag, as last seen. */
  backed_up: Flag;
  aaguid: string;
  /** The WebAuthn user handle (random, no personal data), the same for all of a user's passkeys. */
  user_handle: string;
  /** The name the user gave it. */
  name: string;
  created_at: string;
  last_used_at: string | null;
}

/** A WebAuthn challenge waiting for its answer: used once, short-lived. */
export interface PasskeyChallengeTable {
  /** SHA-256 of the challenge (base64url), hex. */
  id: string;
  purpose: 'register' | 'login';
  /** The session (register) or the login challenge (login) it belongs to: their IDs (hashes). */
  owner: string;
  user_id: string;
  /** At registration: the user handle the new credential is made for. */
  user_handle: string | null;
  created_at: string;
  expires_at: string;
}

export type UserRow = Selectable<UserTable>;
export type NewUserRow = Insertable<UserTable>;
export type UserRowUpdate = Updateable<UserTable>;
export type OperatorRow = Selectable<OperatorTable>;
export type SessionRow = Selectable<SessionTable>;
