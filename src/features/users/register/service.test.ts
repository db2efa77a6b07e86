import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore, type Store } from '../../../db/connect.js';
import { migrateToLatest } from '../../../db/migrations.js';
import { issueActionToken, peekActionToken } from '../action-tokens.js';
import { AlreadyExecuted, UserLimitReached } from '../errors.js';
import { blankUser, type User } from '../model.js';
import { registerUser } from './service.js';

const user = (values: Partial<User>): User =>
  blankUser({ userId: 'U000000001', operatorCode: '0001', ...values });

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
  /** The admin registering with `token` from session s1. */
  const as = (token: string, ip = '127.0.0.1') =>
    ({ actor: admin, sessionId: 's1', token, tokenKey: key, ip, now, dialect: 'sqlite' }) as const;

  it('creates the user, its audit record and its mails, and uses the token once', async () => {
    const token = issueActionToken(key, { sessionId: 's1', purpose: 'register', payload, now });
    const created = await registerUser(store.db, as(token));
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
    await expect(registerUser(store.db, as(token))).rejects.toThrow(AlreadyExecuted);
  });

  it('rolls everything back on refusal, leaving the token usable', async () => {
    const token = issueActionToken(key, { sessionId: 's1', purpose: 'register', payload, now });
    for (let i = 0; i < 7; i++) {
      const t = issueActionToken(key, { sessionId: 's1', purpose: 'register', payload, now });
      await registerUser(store.db, as(t, ''));
    }
    const mailsBefore = (await store.db.selectFrom('mail_outbox').select('id').execute()).length;
    await expect(registerUser(store.db, as(token, ''))).rejects.toThrow(UserLimitReached);
    expect((await store.db.selectFrom('mail_outbox').select('id').execute()).length).toBe(mailsBefore);
    // The refused registration's token was not recorded as used: it can run once room is made.
    const check = await peekActionToken(store.db, { key, token, sessionId: 's1', purpose: 'register', now });
    expect(check.ok).toBe(true);
  });
});
