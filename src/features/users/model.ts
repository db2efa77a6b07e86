import type { UserRow } from '../../db/schema.js';

export type Role = 'admin' | 'general';

/** The user record of SPEC §3, as the services and views see it. */
export interface User {
  userId: string;
  operatorCode: string;
  role: Role;
  department: string;
  userName: string;
  phone: string | null;
  email: string;
  enabled: boolean;
  validFrom: string;
  validTo: string;
  locked: boolean;
  failedLoginCount: number;
  deleted: boolean;
  deletedAt: string | null;
  passwordIsTemporary: boolean;
  temporaryPasswordExpiresAt: string | null;
  version: number;
  createdAt: string;
  updatedAt: string;
}

export const ROLE_LABELS: Record<Role, string> = {
  admin: '登録作業者(管理者)',
  general: '登録作業者(一般)',
};

/** SPEC §4.4: the registration select offers only this option. */
export const REGISTRABLE_ROLE = { value: '7', label: '7:登録作業者(一般)', role: 'general' as Role };

/** SPEC §1: at most eight general users per operator, not counting deleted ones. */
export const MAX_GENERAL_USERS = 8;

/**
 * A user with every field empty or at its default, and the given values: the CSV header's
 * placeholder, and the start of a test's user.
 */
export function blankUser(values: Partial<User> = {}): User {
  return {
    userId: '',
    operatorCode: '',
    role: 'general',
    department: '',
    userName: '',
    phone: null,
    email: '',
    enabled: true,
    validFrom: '',
    validTo: '',
    locked: false,
    failedLoginCount: 0,
    deleted: false,
    deletedAt: null,
    passwordIsTemporary: false,
    temporaryPasswordExpiresAt: null,
    version: 0,
    createdAt: '',
    updatedAt: '',
    ...values,
  };
}

/** The columns a User is made of: never the password hash, the search key or the last login. */
export const USER_COLUMNS = [
  'user_id',
  'operator_code',
  'role',
  'department',
  'user_name',
  'phone',
  'email',
  'enabled',
  'valid_from',
  'valid_to',
  'locked',
  'failed_login_count',
  'deleted',
  'deleted_at',
  'password_is_temporary',
  'temporary_password_expires_at',
  'version',
  'created_at',
  'updated_at',
] as const satisfies readonly (keyof UserRow)[];

export function toUser(row: Pick<UserRow, (typeof USER_COLUMNS)[number]>): User {
  return {
    userId: row.user_id,
    operatorCode: row.operator_code,
    role: row.role,
    department: row.department,
    userName: row.user_name,
    phone: row.phone,
    email: row.email,
    enabled: Number(row.enabled) === 1,
    validFrom: row.valid_from,
    validTo: row.valid_to,
    locked: Number(row.locked) === 1,
    failedLoginCount: Number(row.failed_login_count),
    deleted: Number(row.deleted) === 1,
    deletedAt: row.deleted_at,
    passwordIsTemporary: Number(row.password_is_temporary) === 1,
    temporaryPasswordExpiresAt: row.temporary_password_expires_at,
    version: Number(row.version),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/** SPEC D-8: the width-insensitive search key of a name (NFKC folds full/half width). */
export function toSearchKey(text: string): string {
  return text.normalize('NFKC').toLowerCase();
}

/** SPEC D-4: names and departments are stored NFC-normalised and trimmed. */
export function normaliseText(text: string): string {
  return text.normalize('NFC').trim();
}

/** SPEC §3: a user can log in only when not deleted, enabled and within the validity dates. */
export function isWithinValidity(user: Pick<User, 'validFrom' | 'validTo'>, today: string): boolean {
  return user.validFrom <= today && today <= user.validTo;
}
