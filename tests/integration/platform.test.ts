import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import { renderMessageList } from '../../src/cli/message-list.js';
import { FakeClock } from '../../src/lib/clock.js';
import { messages } from '../../src/lib/messages.js';
import {
  Agent,
  createOperatorWithAdmins,
  DEFAULT_PASSWORD,
  describeOnStores,
  openTestStore,
  setupOperator,
  TEST_START,
  testConfig,
} from '../helpers/integration.js';

describeOnStores('platform on $kind', { config: { loginRateLimitPerMinute: 3 } }, (ctx, { kind, skip }) => {
  it.skipIf(skip)(
    'limits login attempts per address, in the database, and lets them in again after the window',
    async () => {
      const { admin } = await createOperatorWithAdmins(ctx);
      const agent = new Agent(ctx.app);
      for (let i = 0; i < 3; i++) {
        expect(
          (await agent.post('/login', { userId: admin.userId, password: 'wrong password 1' })).statusCode,
        ).toBe(401);
      }
      const limited = await agent.post('/login', { userId: admin.userId, password: DEFAULT_PASSWORD });
      expect(limited.statusCode).toBe(429);
      expect(limited.body).toContain('error.login.rateLimited');
      const stored = await ctx.store.db.selectFrom('rate_limits').selectAll().execute();
      expect(stored.map((r) => [r.key, Number(r.count)])).toEqual([['login:127.0.0.1', 4]]);
      ctx.clock.advance(61_000);
      expect(
        (await agent.post('/login', { userId: admin.userId, password: DEFAULT_PASSWORD })).statusCode,
      ).toBe(303);
    },
  );

  it.skipIf(skip)(
    'limits password change attempts per user, so a session cannot guess the current one',
    async () => {
      ctx.clock.advance(61_000);
      const { agent } = await setupOperator(ctx);
      const attempt = () =>
        agent.post('/password', {
          currentPassword: 'a guess at the password',
          newPassword: 'new passphrase for me',
          confirmPassword: 'new passphrase for me',
        });
      for (let i = 0; i < 3; i++) expect((await attempt()).statusCode).toBe(400);
      expect((await attempt()).statusCode).toBe(429);
      ctx.clock.advance(61_000);
      expect((await attempt()).statusCode).toBe(400);
    },
  );

  it.skipIf(skip)('answers 404 with a page in the layout', async () => {
    const res = await new Agent(ctx.app).get('/login/../nowhere-to-be-found');
    expect([303, 404]).toContain(res.statusCode);
    ctx.clock.advance(61_000);
    const { agent } = await setupOperator(ctx);
    const missing = await agent.get('/no-such-page');
    expect(missing.statusCode).toBe(404);
    expect(missing.body).toContain('error.notFound');
  });

  it.skipIf(skip)('answers /healthz with 503 when the database does not answer', async () => {
    const store = await openTestStore(kind);
    const app = await buildApp({
      config: testConfig(),
      store,
      clock: new FakeClock(TEST_START),
      logger: false,
    });
    await app.ready();
    expect((await app.inject('/healthz')).statusCode).toBe(200);
    await store.drop();
    const res = await app.inject('/healthz');
    expect(res.statusCode).toBe(503);
    expect(JSON.parse(res.body)).toEqual({ status: 'unavailable' });
    await app.close();
  });

  it.skipIf(skip)(
    'hides internals of a 5xx error and shows the request ID that the log carries',
    async () => {
      const store = await openTestStore(kind);
      const lines: string[] = [];
      const app = await buildApp({
        config: testConfig(),
        store,
        clock: new FakeClock(TEST_START),
        logger: { level: 'error', stream: { write: (line: string) => lines.push(line) } },
      });
      app.get('/boom', { config: { public: true } }, async () => {
        throw new Error('secret internal detail: connection string postgres://x:y@db');
      });
      await app.ready();
      const res = await app.inject('/boom');
      expect(res.statusCode).toBe(500);
      expect(res.body).not.toContain('secret internal detail');
      const requestId = /問い合わせ番号: ([0-9a-f-]{36})/.exec(res.body)?.[1];
      expect(requestId).toBeTruthy();
      const logged = lines.map((l) => JSON.parse(l) as { reqId?: string; err?: { message: string } });
      expect(
        logged.some((l) => l.reqId === requestId && l.err?.message.includes('secret internal detail')),
      ).toBe(true);
      await app.close();
      await store.drop();
    },
  );

  it.skipIf(skip)('marks cookies Secure behind TLS', async () => {
    const store = await openTestStore(kind);
    const app = await buildApp({
      config: testConfig({ secureCookies: true }),
      store,
      clock: new FakeClock(TEST_START),
      logger: false,
    });
    await app.ready();
    const res = await app.inject('/login');
    const cookie = String(res.headers['set-cookie']);
    expect(cookie).toContain('__Host-cmus_pre=');
    expect(cookie).toContain('Secure');
    expect(res.headers['strict-transport-security']).toBeTruthy();
    await app.close();
    await store.drop();
  });
});

describe('message catalog (SPEC D-7)', () => {
  it('is documented in docs/messages.md, generated from the catalog', () => {
    const file = path.join(import.meta.dirname, '..', '..', 'docs', 'messages.md');
    expect(fs.readFileSync(file, 'utf8'), 'run `npm run cli -- messages`').toBe(renderMessageList());
  });

  it('uses the manual’s IDs and texts for the confirmations it shows', () => {
    expect(messages['info.regist.confirm']).toBe('下記の情報で登録します。よろしいですか。');
    expect(messages['info.update.confirm']).toBe('下記の情報で変更します。よろしいですか。');
  });
});
