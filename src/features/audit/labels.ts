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
};

export const OUTCOME_LABELS = { success: '成功', failure: '失敗' } as const;

export function actionLabel(action: string): string {
  return AUDIT_ACTION_LABELS[action as AuditAction] ?? action;
}
