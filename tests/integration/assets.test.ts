import { describe, expect, it } from 'vitest';
import { Agent, useTestContext } from '../helpers/integration.js';

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

  it('the password strength bundle: named by app.js, not loaded by the page, long-cached, allowed by the CSP', async () => {
    const agent = new Agent(ctx.app);
    const login = await agent.get('/login');
    const src = /data-strength-src="(\/assets\/build\/password-strength\.js\?v=[0-9a-f]{10})"/.exec(
      login.body,
    )?.[1];
    expect(src).toBeDefined();
    // Only app.js is a script of the page; the bundle (dictionaries, ~700 kB) is imported
    // by it on a page with a new password field.
    expect(login.body.match(/<script /g)).toHaveLength(1);
    const csp = String(login.headers['content-security-policy']);
    expect(csp).toContain("script-src 'self'");
    const res = await ctx.app.inject({ method: 'GET', url: src! });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('javascript');
    expect(res.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(res.body).toContain('export');
    expect(res.body.length).toBeGreaterThan(100_000);
  });
});
