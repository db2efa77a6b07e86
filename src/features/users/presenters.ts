import { formatDate } from '../../lib/japan-time.js';
import { ROLE_LABELS, type User } from './model.js';

/** How each field of SPEC §3 reads on a screen, in one place for every screen and the CSV. */
export const enabledLabel = (enabled: boolean) => (enabled ? '有効' : '無効');
export const lockedLabel = (locked: boolean) => (locked ? 'ロック中' : '利用可能');
export const deletedLabel = (deleted: boolean) => (deleted ? '削除済' : '未削除');

/** The rows of the detail screen (manual ch. 3 ④), label then value, in the manual's order. */
export function userDetailRows(user: User, operatorName: string): [string, string][] {
  return [
    ['ユーザID', user.userId],
    ['権限区分', ROLE_LABELS[user.role]],
    ['事業者コード', user.operatorCode],
    ['参加登録申請者名', operatorName],
    ['所属部署', user.department],
    ['ユーザ名', user.userName],
    ['電話番号', user.phone ?? ''],
    ['メールアドレス', user.email],
    ['有効/無効', enabledLabel(user.enabled)],
    ['適用開始日', formatDate(user.validFrom)],
    ['適用終了日', formatDate(user.validTo)],
    ['ユーザロック', lockedLabel(user.locked)],
    ['削除状態', deletedLabel(user.deleted)],
  ];
}

/** Breadcrumbs of the user-management screens (SPEC §4). */
export const USERS_CRUMBS = [
  { label: '参加登録', href: '/participation' },
  { label: 'ユーザ情報管理', href: '/users' },
];
