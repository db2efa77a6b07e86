import { describe, expect, it } from 'vitest';
import { Agent, useTestContext } from '../helpers/context.js';

/**
 * Styles and scripts reach everyone, the login page's visitor too (a first page without
 * styles was bare HTML), with fingerprinted URLs a browser may keep for a year, and
 * without any session work (no cookie set, nothing read from the database).
 */
describe('assets for everyone', () => {
  const ctx = useTestContext('sqlite', false);

  it('the login page links fingerprinted assets that an anonymous visitor can load', async () => {
    const agent = new Agent(ctx.app);
    const login = await agent.get('/login');
    const css = /<link rel="stylesheet" href="(\/assets\/app\.css\?v=[0-9a-f]{10})"/.exec(login.body)?.[1];
    const js = /<script src="(\/assets\/app\.js\?v=[0-9a-f]{10})"/.exec(login.body)?.[1];
    expect(css).toBeDefined();
    expect(js).toBeDefined();
    for (const [url, type] of [
      [css!, 'text/css'],
      [js!, 'javascript'],
    ] as const) {
      const res = await ctx.app.inject({ method: 'GET', url });
      expect(res.statusCode, url).toBe(200);
      expect(res.headers['content-type']).toContain(type);
      expect(res.headers['cache-control']).toBe('public, max-age=31536000, immutable');
      expect(res.headers['set-cookie']).toBeUndefined();
    }
  });
});
