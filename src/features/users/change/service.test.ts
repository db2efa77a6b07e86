import { describe, expect, it } from 'vitest';
import { AdminEmailOwnOnly, OwnEnabledChange, StaleUpdate, UserDeleted } from '../errors.js';
import { blankUser, type User } from '../model.js';
import { assertChangeable, assertCurrentVersion, type ChangePayload, changedFieldLabels } from './service.js';

const user = (values: Partial<User>): User =>
  blankUser({
    userId: 'U000000001',
    operatorCode: '0001',
    department: '部',
    userName: '名',
    email: 'a@example.jp',
    validFrom: '2026-04-01',
    validTo: '9999-12-31',
    version: 1,
    createdAt: '2026-04-01T00:00:00.000Z',
    updatedAt: '2026-04-01T00:00:00.000Z',
    ...values,
  });
const base = user({});

describe('the rules of change', () => {
  it('an admin cannot change their own 有効/無効; others can (SPEC §2 row 2)', () => {
    const admin = user({ role: 'admin' });
    expect(() => assertChangeable(admin, admin, { enabled: false })).toThrow(OwnEnabledChange);
    expect(() => assertChangeable(admin, admin, { enabled: true })).not.toThrow();
    expect(() => assertChangeable(user({ userId: 'U000000002' }), admin, { enabled: false })).not.toThrow();
    expect(() => assertChangeable(user({ deleted: true }), admin)).toThrow(UserDeleted);
  });

  it('an admin’s mail address is changed by that admin only (no takeover through reissue)', () => {
    const admin = user({ role: 'admin' });
    const other = user({ role: 'admin', userId: 'U000000002', email: 'other@example.jp' });
    expect(() => assertChangeable(other, admin, { email: 'mine@evil.example' })).toThrow(AdminEmailOwnOnly);
    expect(() => assertChangeable(other, admin, { email: 'OTHER@example.jp' })).not.toThrow();
    expect(() => assertChangeable(admin, admin, { email: 'new@example.jp' })).not.toThrow();
    const general = user({ userId: 'U000000003', email: 'g@example.jp' });
    expect(() => assertChangeable(general, admin, { email: 'g2@example.jp' })).not.toThrow();
  });

  it('a form of an older version is stale (SPEC §4.5)', () => {
    expect(() => assertCurrentVersion(user({ version: 2 }), 1)).toThrow(StaleUpdate);
    expect(() => assertCurrentVersion(user({ version: 2 }), 2)).not.toThrow();
  });

  it('lists the changed fields in the screen order', () => {
    const after: ChangePayload = {
      department: '部',
      userName: '新しい名',
      phone: '03-1234-5678',
      email: base.email,
      enabled: false,
      validFrom: base.validFrom,
      validTo: base.validTo,
      version: 1,
    };
    expect(changedFieldLabels(base, after)).toEqual(['ユーザ名', '電話番号', '有効/無効']);
  });
});
