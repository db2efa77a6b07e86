import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore, type Store } from '../../db/connect.js';
import { migrateToLatest } from '../../db/migrations.js';
import { issueActionToken, peekActionToken } from './action-tokens.js';
import {
  AdminCannotBeDeleted,
  AdminEmailOwnOnly,
  AlreadyExecuted,
  BulkDeleteBlocked,
  describeUserActionError,
  InvalidActionToken,
  NotLocked,
  OwnEnabledChange,
  StaleUpdate,
  UserDeleted,
  UserLimitReached,
} from './errors.js';
import type { User } from './model.js';
import {
  assertChangeable,
  assertCurrentVersion,
  assertDeletable,
  assertReissuable,
  assertUnlockable,
  type ChangePayload,
  changedFieldLabels,
  registerUser,
  selectedUserIds,
} from './service.js';

const base: User = {
  userId: 'U000000001',
  operatorCode: '0001',
  role: 'general',
  department: '部',
  userName: '名',
  phone: null,
  email: 'a@example.jp',
  enabled: true,
  validFrom: '2026-04-01',
  validTo: '9999-12-31',
  locked: false,
  failedLoginCount: 0,
  deleted: false,
  deletedAt: null,
  passwordIsTemporary: false,
  temporaryPasswordExpiresAt: null,
  version: 1,
  createdAt: '2026-04-01T00:00:00.000Z',
  updatedAt: '2026-04-01T00:00:00.000Z',
};
const user = (values: Partial<User>): User => ({ ...base, ...values });

describe('the rules of each action', () => {
  it('admins and deleted users cannot be deleted (SPEC §2, §4.6)', () => {
    expect(() => assertDeletable(user({ role: 'admin' }))).toThrow(AdminCannotBeDeleted);
    expect(() => assertDeletable(user({ deleted: true }))).toThrow(UserDeleted);
    expect(() => assertDeletable(user({}))).not.toThrow();
  });

  it('only a locked, not deleted user can be unlocked (SPEC §4.8)', () => {
    expect(() => assertUnlockable(user({}))).toThrow(NotLocked);
    expect(() => assertUnlockable(user({ locked: true, deleted: true }))).toThrow(UserDeleted);
    expect(() => assertUnlockable(user({ locked: true }))).not.toThrow();
  });

  it('a locked user can be reissued a password, a deleted one cannot (D-12)', () => {
    expect(() => assertReissuable(user({ locked: true }))).not.toThrow();
    expect(() => assertReissuable(user({ deleted: true }))).toThrow(UserDeleted);
  });

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

  it('dedupes and trims a bulk selection, dropping blanks', () => {
    expect(selectedUserIds([' U1 ', 'U2', 'U1', ''])).toEqual(['U1', 'U2']);
  });
});

describe('describeUserActionError: one message ID and status per refusal', () => {
  it('maps each refusal', () => {
    expect(describeUserActionError(new UserLimitReached())).toEqual({
      id: 'error.user.limitReached',
      status: 409,
    });
    expect(describeUserActionError(new AlreadyExecuted())).toEqual({
      id: 'error.alreadyExecuted',
      status: 409,
    });
    expect(describeUserActionError(new InvalidActionToken())).toEqual({
      id: 'error.action.invalid',
      status: 400,
    });
    expect(describeUserActionError(new BulkDeleteBlocked(['U1', 'U2']))).toEqual({
      id: 'error.bulkDelete.blocked',
      params: { users: 'U1、U2' },
      status: 409,
    });
  });
});

describe('registerUser in one transaction (SQLite in memory)', () => {
  let store: Store;
  let admin: User;
  beforeAll(async () => {
    store = openStore({ sqliteFile: ':memory:' });
    await migrateToLatest(store.db, store.dialect);
    const at = '2026-04-01T01:00:00.000Z';
    await store.db
      .insertInto('operators')
      .values({ operator_code: '0001', operator_name: '株式会社0001', created_at: at })
      .execute();
    admin = user({ userId: 'U100000001', role: 'admin', email: 'admin@example.jp' });
    await store.db
      .insertInto('users')
      .values({
        user_id: admin.userId,
        operator_code: '0001',
        role: 'admin',
        department: '部',
        user_name: '管理者',
        user_name_key: '管理者',
        phone: null,
        email: admin.email,
        enabled: 1,
        valid_from: '2020-01-01',
        valid_to: '9999-12-31',
        locked: 0,
        failed_login_count: 0,
        deleted: 0,
        deleted_at: null,
        password_hash: 'x',
        password_is_temporary: 0,
        temporary_password_expires_at: null,
        password_changed_at: at,
        version: 1,
        created_at: at,
        updated_at: at,
      })
      .execute();
  });
  afterAll(async () => {
    await store?.close();
  });

  const payload = { department: '部', userName: '新人', phone: null, email: 'new@example.jp' };
  const now = new Date('2026-04-01T01:00:00.000Z');
  const key = Buffer.alloc(32, 7);

  it('creates the user, its audit record and its mails, and uses the token once', async () => {
    const token = issueActionToken(key, { sessionId: 's1', purpose: 'register', payload, now });
    const created = await registerUser(store.db, {
      actor: admin,
      sessionId: 's1',
      token,
      tokenKey: key,
      ip: '127.0.0.1',
      now,
      dialect: 'sqlite',
    });
    expect(created).toMatchObject({
      role: 'general',
      operatorCode: '0001',
      userName: '新人',
      passwordIsTemporary: true,
    });
    const audits = await store.db
      .selectFrom('audit_records')
      .selectAll()
      .where('target_user_id', '=', created.userId)
      .execute();
    expect(audits.map((a) => a.action)).toEqual(['register']);
    const mails = await store.db
      .selectFrom('mail_outbox')
      .selectAll()
      .where('event', '=', 'registered')
      .execute();
    expect(mails.map((m) => m.recipient).sort()).toEqual(['admin@example.jp', 'new@example.jp']);
    await expect(
      registerUser(store.db, {
        actor: admin,
        sessionId: 's1',
        token,
        tokenKey: key,
        ip: '127.0.0.1',
        now,
        dialect: 'sqlite',
      }),
    ).rejects.toThrow(AlreadyExecuted);
  });

  it('rolls everything back on refusal, leaving the token usable', async () => {
    const token = issueActionToken(key, { sessionId: 's1', purpose: 'register', payload, now });
    for (let i = 0; i < 7; i++) {
      const t = issueActionToken(key, { sessionId: 's1', purpose: 'register', payload, now });
      await registerUser(store.db, {
        actor: admin,
        sessionId: 's1',
        token: t,
        tokenKey: key,
        ip: '',
        now,
        dialect: 'sqlite',
      });
    }
    const mailsBefore = (await store.db.selectFrom('mail_outbox').select('id').execute()).length;
    await expect(
      registerUser(store.db, {
        actor: admin,
        sessionId: 's1',
        token,
        tokenKey: key,
        ip: '',
        now,
        dialect: 'sqlite',
      }),
    ).rejects.toThrow(UserLimitReached);
    expect((await store.db.selectFrom('mail_outbox').select('id').execute()).length).toBe(mailsBefore);
    // The refused registration's token was not recorded as used: it can run once room is made.
    const check = await peekActionToken(store.db, { key, token, sessionId: 's1', purpose: 'register', now });
    expect(check.ok).toBe(true);
  });
});
