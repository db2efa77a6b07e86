/**
 * SPEC §3: the label of each field of the user record, once. Forms, confirmation and
 * detail screens, the CSV header, the change notice, the audit screen, bulk register and
 * the 400 page all read it from here, keyed by the field's name in code (SPEC §7).
 */
export const FIELD_LABELS = {
  userId: 'ユーザID',
  role: '権限区分',
  operatorCode: '事業者コード',
  operatorName: '参加登録申請者名',
  department: '所属部署',
  userName: 'ユーザ名',
  phone: '電話番号',
  email: 'メールアドレス',
  enabled: '有効/無効',
  validFrom: '適用開始日',
  validTo: '適用終了日',
  locked: 'ユーザロック',
  deleted: '削除状態',
  /** SPEC D-22, beyond the manual: whether the user has enrolled an authenticator app. */
  secondFactor: '二要素認証',
} as const;

export type LabelledField = keyof typeof FIELD_LABELS;

/** The labels of some fields, in the order given (a form's, a record's). */
export function labelsOf<K extends LabelledField>(...fields: K[]): Record<K, string> {
  const labels: Partial<Record<K, string>> = {};
  for (const field of fields) labels[field] = FIELD_LABELS[field];
  return labels as Record<K, string>;
}
