import { FIELD_LABELS, labelsOf } from '../../lib/field-labels.js';
import type { AuditAction } from './service.js';

/** Japanese names of the audited actions, for the screen and the CSV. */
export const AUDIT_ACTION_LABELS: Record<AuditAction, string> = {
  login: 'ログイン',
  logout: 'ログアウト',
  lock: 'ユーザロック',
  unlock: 'ユーザロック解除',
  register: '登録',
  change: '変更',
  delete: '削除',
  bulkDelete: '一括削除',
  reissuePassword: 'パスワード再発行',
  changePassword: 'パスワード変更',
  csvExport: 'CSV出力',
  bulkRegister: '一括登録',
  operatorAdd: '事業者登録',
  secondFactorEnrol: '二要素認証の設定',
  secondFactorRemove: '二要素認証の解除',
  secondFactorReset: '二要素認証リセット',
  secondFactorPolicy: '二要素認証の必須設定',
  endSession: 'セッションの終了',
  endOtherSessions: 'ほかのセッションをすべて終了',
  passkeyRegister: 'パスキーの登録',
  passkeyRemove: 'パスキーの削除',
};

export type AuditOutcome = 'success' | 'failure';

export const OUTCOME_LABELS: Record<AuditOutcome, string> = { success: '成功', failure: '失敗' };

export function actionLabel(action: string): string {
  return AUDIT_ACTION_LABELS[action as AuditAction] ?? action;
}

/**
 * SPEC §6: every `reason` an audit record carries, in Japanese. A reason is written by
 * the login (src/features/auth/service.ts: `auditReason`, `countFailure`), the own
 * password change, the user CSV export (src/features/users/list-routes.tsx) and every
 * refused user action, whose reason is the refusal's `kind`
 * (src/features/users/errors.ts). tests/integration/audit-screen.test.ts checks that
 * none of them is missing here.
 */
export const AUDIT_REASON_LABELS: Record<string, string> = {
  // Login (SPEC §4.11, D-14).
  wrongPassword: 'パスワード誤り',
  locked: 'ロック中',
  disabled: '無効',
  outsideValidity: '有効期間外',
  deleted: '削除済',
  unknownUser: '存在しないユーザID',
  temporaryPasswordExpired: '仮パスワード期限切れ',
  // Second factor (SPEC D-22).
  wrongCode: '確認コード誤り',
  wrongPasskey: 'パスキーの確認失敗',
  passkeyChallenge: 'パスキーの確認の期限切れまたは使用済み',
  passkeyInvalid: 'パスキーの応答が不正',
  passkeyDuplicate: '登録済みのパスキー',
  passkeyTooMany: 'パスキーの登録数の上限超過',
  passkeyNotFound: '対象のパスキーなし',
  // Own password change (SPEC §4.10).
  currentPasswordWrong: '現在のパスワード誤り',
  // User CSV export (SPEC §4.3).
  noHits: '該当するユーザ情報なし',
  tooMany: '出力件数の上限（12,000件）超過',
  unencodable: 'Shift_JIS(CP932)で表せない文字あり',
  aborted: '出力途中で中断',
  // Refused user actions (SPEC §4.4–§4.9, §4.12): the kinds of src/features/users/errors.ts.
  userLimitReached: '登録作業者(一般)の上限（8ユーザ）超過',
  staleUpdate: 'ほかの操作により更新済み',
  adminCannotBeDeleted: '登録作業者(管理者)は削除不可',
  userDeleted: '削除済みのユーザ',
  userNotFound: '対象のユーザなし',
  notLocked: 'ロックされていない',
  ownEnabledChange: '自分の有効/無効は変更不可',
  adminEmailOwnOnly: '管理者のメールアドレスは本人のみ変更可',
  noneSelected: 'ユーザ未選択',
  bulkDeleteBlocked: '削除できないユーザを含む',
  secondFactorNotEnabled: '二要素認証が未設定',
  alreadyExecuted: '実行済みの操作',
  invalidActionToken: '確認画面の期限切れまたは不正な操作',
};

/** The label of a reason; an unknown one is shown as it was recorded. */
export function reasonLabel(reason: string): string {
  return Object.hasOwn(AUDIT_REASON_LABELS, reason) ? AUDIT_REASON_LABELS[reason]! : reason;
}

/** Names of the detail keys the features record (src/features/*: `recordAudit`). */
export const DETAIL_KEY_LABELS: Record<string, string> = {
  reason: '理由',
  attemptedUserId: '入力されたユーザID',
  failedLoginCount: '連続失敗回数',
  temporaryPassword: 'パスワード種別',
  wasTemporary: '変更前のパスワード種別',
  role: FIELD_LABELS.role,
  count: '件数',
  rowCount: '件数',
  userIds: 'ユーザID',
  users: '対象ユーザ',
  temporaryPasswordExpiresAt: '仮パスワード有効期限',
  conditions: '検索条件',
  encoding: '文字コード',
  userId: '該当ユーザID',
  column: '該当項目',
  operatorName: '事業者名',
  admins: '登録作業者(管理者)',
  changes: '変更項目',
  before: '変更前',
  after: '登録内容',
  user: '削除したユーザ',
  secondFactor: '二要素認証',
  recoveryCodes: 'リカバリーコード数',
  recoveryCodesLeft: '残りのリカバリーコード数',
  required: '二要素認証の必須',
  sessions: '終了したセッション数',
  authenticatorApp: '認証アプリ',
  passkeys: '削除したパスキー数',
  passkey: 'パスキーの名前',
};

/** The fields an audit record keeps of a user (users/service.ts `auditView`), in screen order. */
export const USER_FIELD_LABELS: Record<string, string> = labelsOf(
  'department',
  'userName',
  'phone',
  'email',
  'enabled',
  'validFrom',
  'validTo',
);

export const ROLE_LABELS: Record<string, string> = {
  admin: '登録作業者(管理者)',
  general: '登録作業者(一般)',
};

export const ENCODING_LABELS: Record<string, string> = {
  utf8: 'UTF-8',
  cp932: 'Shift_JIS(CP932)',
};
