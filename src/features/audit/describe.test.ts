import { describe, expect, it } from 'vitest';
import { describeDetail, detailText, formatAuditTime, formatValue } from './describe.js';

describe('audit detail in words (SPEC §6)', () => {
  it('shows times in Japan time with seconds', () => {
    expect(formatAuditTime('2026-03-31T15:00:00.000Z')).toBe('2026/04/01 00:00:00');
    expect(formatAuditTime('2026-04-01T14:59:59.999Z')).toBe('2026/04/01 23:59:59');
  });

  it('labels reasons and counts, reason first', () => {
    const items = describeDetail('login', { failedLoginCount: 2, reason: 'wrongPassword' });
    expect(detailText(items)).toBe('理由: パスワード誤り / 連続失敗回数: 2回');
    expect(detailText(describeDetail('login', { reason: 'somethingElse' }))).toBe('理由: somethingElse');
  });

  it('shows a change as field, before and after, only what differs', () => {
    const before = { department: 'A部', phone: null, enabled: true, validTo: '9999-12-31' };
    const after = { department: 'B部', phone: '03-1234-5678', enabled: false, validTo: '9999-12-31' };
    expect(describeDetail('change', { changes: ['所属部署'], before, after })).toEqual([
      {
        kind: 'changes',
        label: '変更内容',
        rows: [
          { field: '所属部署', before: 'A部', after: 'B部' },
          { field: '電話番号', before: '（なし）', after: '03-1234-5678' },
          { field: '有効/無効', before: '有効', after: '無効' },
        ],
      },
    ]);
    expect(detailText(describeDetail('change', { changes: ['所属部署'] }))).toBe('変更項目: 所属部署');
  });

  it('falls back to `label: value` in words for keys nobody named, never JSON', () => {
    const text = detailText(
      describeDetail('operatorAdd', { operatorName: '株式会社A', extra: { a: [1, true] } }),
    );
    expect(text).toBe('事業者名: 株式会社A / extra: （a: 1、はい）');
    expect(formatValue({})).toBe('（なし）');
    expect(formatValue('2026-04-01')).toBe('2026/04/01');
    for (const t of [text, formatValue({ x: { y: '"q"' } })]) {
      expect(t).not.toMatch(/[{}=]/);
    }
  });
});
