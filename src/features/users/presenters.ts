import { FIELD_LABELS } from '../../lib/field-labels.js';
import { formatDate } from '../../lib/japan-time.js';
import { ROLE_LABELS, type User } from './model.js';

/** How each field of SPEC §3 reads on a screen, in one place for every screen and the CSV. */
export const enabledLabel = (enabled: boolean) => (enabled ? '有効' : '無効');
export const lockedLabel = (locked: boolean) => (locked ? 'ロック中' : '利用可能');
export const deletedLabel = (deleted: boolean) => (deleted ? '削除済' : '未削除');
/** SPEC D-22: the words of アカウント設定 for an enrolled authenticator app. */
export const secondFactorLabel = (enabled: boolean) => (enabled ? '設定済み' : '未設定');

/** The rows of the detail screen (manual ch. 3 ④), label then value, in the manual's order. */
export function userDetailRows(user: User, operatorName: string): [string, string][] {
  return [
    [FIELD_LABELS.userId, user.userId],
    [FIELD_LABELS.role, ROLE_LABELS[user.role]],
    [FIELD_LABELS.operatorCode, user.operatorCode],
    [FIELD_LABELS.operatorName, operatorName],
    [FIELD_LABELS.department, user.department],
    [FIELD_LABELS.userName, user.userName],
    [FIELD_LABELS.phone, user.phone ?? ''],
    [FIELD_LABELS.email, user.email],
    [FIELD_LABELS.enabled, enabledLabel(user.enabled)],
    [FIELD_LABELS.validFrom, formatDate(user.validFrom)],
    [FIELD_LABELS.validTo, formatDate(user.validTo)],
    [FIELD_LABELS.locked, lockedLabel(user.locked)],
    [FIELD_LABELS.deleted, deletedLabel(user.deleted)],
  ];
}

/**
 * The detail rows and, last, whether the user has a second factor (SPEC D-22, beyond the
 * manual: after the manual's fields, so the CSV export's columns before it stay the manual's).
 */
export function userDetailRowsWithFactor(
  user: User,
  operatorName: string,
  secondFactor: boolean,
): [string, string][] {
  return [
    ...userDetailRows(user, operatorName),
    [FIELD_LABELS.secondFactor, secondFactorLabel(secondFactor)],
  ];
}

/** Breadcrumbs of the user-management screens (SPEC §4). */
export const USERS_CRUMBS = [
  { label: '参加登録', href: '/participation' },
  { label: 'ユーザ情報管理', href: '/users' },
];
