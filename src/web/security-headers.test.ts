import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { securityHeaders, useSecurityHeaders } from './security-headers.js';

const options = {
  contentSecurityPolicy: {
    useDefaults: false,
    directives: { defaultSrc: ["'self'"], frameAncestors: ["'none'"] },
  },
  strictTransportSecurity: false,
  referrerPolicy: { policy: 'same-origin' as const },
  xFrameOptions: { action: 'deny' as const },
};

describe('security headers', () => {
  it('are helmet’s, worked out once', () => {
    const headers = securityHeaders(options);
    expect(headers['content-security-policy']).toBe("default-src 'self';frame-ancestors 'none'");
    expect(headers['x-content-type-options']).toBe('nosniff');
    expect(headers['x-frame-options']).toBe('DENY');
    expect(headers['referrer-policy']).toBe('same-origin');
    expect(headers['strict-transport-security']).toBeUndefined();
    expect(
      securityHeaders({ ...options, strictTransportSecurity: true })['strict-transport-security'],
    ).toMatch(/^max-age=31536000/);
  });

  it('are on every answer: a page, a 404 and an error', async () => {
    const app = Fastify();
    useSecurityHeaders(app, options);
    app.get('/ok', async () => 'ok');
    app.get('/boom', async () => {
      throw new Error('boom');
    });
    for (const url of ['/ok', '/missing', '/boom']) {
      const res = await app.inject({ url });
      expect(res.headers['content-security-policy'], url).toBe("default-src 'self';frame-ancestors 'none'");
      expect(res.headers['x-content-type-options'], url).toBe('nosniff');
    }
    await app.close();
  });

  it('refuses options helmet refuses', () => {
    expect(() =>
      securityHeaders({ contentSecurityPolicy: { directives: { defaultSrc: ['self'] } } }),
    ).toThrow();
  });
});
