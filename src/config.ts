import net from 'node:net';
import path from 'node:path';
import { z } from 'zod';
import { parseSecretKey, type SecretKey } from './lib/secret-box.js';

export type TrustProxy = false | number | string[];

const PROXY_NAMES = new Set(['loopback', 'linklocal', 'uniquelocal']);

/**
 * SPEC D-21: which peers may tell the client's address in `X-Forwarded-For`. A hop count
 * takes the address that many entries from the right (the one the nearest proxy saw);
 * addresses trust only those peers. Undefined when the value is neither.
 */
export function parseTrustProxy(value: string): TrustProxy | undefined {
  const v = value.trim();
  if (v === 'false' || v === '0') return false;
  if (/^[0-9]{1,2}$/.test(v)) {
    const hops = Number(v);
    return hops >= 1 && hops <= 10 ? hops : undefined;
  }
  const entries = v.split(',').map((e) => e.trim());
  const valid = entries.every((e) => {
    if (PROXY_NAMES.has(e)) return true;
    const [address = '', bits, ...rest] = e.split('/');
    if (rest.length > 0 || net.isIP(address) === 0) return false;
    if (bits === undefined) return true;
    const max = net.isIP(address) === 4 ? 32 : 128;
    return /^[0-9]{1,3}$/.test(bits) && Number(bits) <= max;
  });
  return entries.length > 0 && valid ? entries : undefined;
}

/** Environment, checked once at start-up (fail fast with a readable message). */
const ZEnvironment = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  HOST: z.string().min(1).default('127.0.0.1'),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  DATA_DIR: z.string().min(1).default('./data'),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'DATABASE_URL must be a postgres:// URL')
    .optional(),
  SESSION_IDLE_MINUTES: z.coerce
    .number()
    .int()
    .min(1)
    .max(24 * 60)
    .default(30),
  SESSION_ABSOLUTE_HOURS: z.coerce
    .number()
    .int()
    .min(1)
    .max(7 * 24)
    .default(12),
  /** "true" when the app is served behind TLS (directly or by a proxy): cookies get Secure. */
  SECURE_COOKIES: z
    .enum(['true', 'false'])
    .default('false')
    .transform((v) => v === 'true'),
  TRUST_PROXY: z
    .string()
    .default('false')
    .transform((v, ctx) => {
      const parsed = parseTrustProxy(v);
      if (parsed === undefined) {
        ctx.addIssue({
          code: 'custom',
          message:
            'TRUST_PROXY must be false, the number of proxies in front (1–10), or their addresses (comma-separated IPs or CIDRs, or loopback/linklocal/uniquelocal); `true` would trust any X-Forwarded-For',
        });
        return z.NEVER;
      }
      return parsed;
    }),
  /** At least 32 characters; without it the key is made once and kept in the database. */
  APP_SECRET: z.string().min(32, 'APP_SECRET must be at least 32 characters').optional(),
  /**
   * SPEC D-22: the key that encrypts second-factor secrets at rest (32 bytes, base64);
   * without it the key is made once and kept in the database (docs/security.md).
   */
  SECRETS_KEY: z
    .string()
    .refine(
      (v) => parseSecretKey(v) !== undefined,
      'SECRETS_KEY must be 32 bytes in base64 (43 or 44 characters)',
    )
    .optional(),
  /** Keys being rotated out (comma-separated): still read, never written. */
  SECRETS_KEY_PREVIOUS: z
    .string()
    .refine(
      (v) => v.split(',').every((k) => parseSecretKey(k) !== undefined),
      'SECRETS_KEY_PREVIOUS must be comma-separated keys of 32 bytes in base64',
    )
    .optional(),
  LOGIN_RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(1).default(20),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  SMTP_URL: z
    .string()
    .regex(/^smtps?:\/\//, 'SMTP_URL must be an smtp:// or smtps:// URL')
    .optional(),
  SMTP_TLS_REJECT_UNAUTHORIZED: z
    .enum(['true', 'false'])
    .default('true')
    .transform((v) => v === 'true'),
  MAIL_FROM: z.string().min(3).default('容量市場システム <no-reply@capacity-market.example>'),
  MAIL_WORKER: z
    .enum(['true', 'false'])
    .default('true')
    .transform((v) => v === 'true'),
  PUBLIC_URL: z.string().url().optional(),
});

export type Config = {
  nodeEnv: 'development' | 'production' | 'test';
  host: string;
  port: number;
  dataDir: string;
  databaseUrl: string | undefined;
  sessionIdleMs: number;
  sessionAbsoluteMs: number;
  secureCookies: boolean;
  /** SPEC D-21: false, a hop count, or the proxies' addresses; never "any". */
  trustProxy: TrustProxy;
  appSecret: string | undefined;
  /** The key that seals second-factor secrets (SECRETS_KEY), and keys being rotated out. */
  secretsKey: SecretKey | undefined;
  secretsKeyPrevious: SecretKey[];
  loginRateLimitPerMinute: number;
  logLevel: string;
  smtpUrl: string | undefined;
  smtpTlsRejectUnauthorized: boolean;
  mailFrom: string;
  mailWorker: boolean;
  publicUrl: string | undefined;
  /** The login page's address, named in every mail (SPEC §5): PUBLIC_URL's, or this host's. */
  loginUrl: string;
};

export class ConfigError extends Error {}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  // An empty variable (`SMTP_URL=` in an env file) means "not set".
  const given = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = ZEnvironment.safeParse(given);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  const e = parsed.data;
  return {
    nodeEnv: e.NODE_ENV,
    host: e.HOST,
    port: e.PORT,
    dataDir: path.resolve(e.DATA_DIR),
    databaseUrl: e.DATABASE_URL,
    sessionIdleMs: e.SESSION_IDLE_MINUTES * 60_000,
    sessionAbsoluteMs: e.SESSION_ABSOLUTE_HOURS * 3_600_000,
    secureCookies: e.SECURE_COOKIES,
    trustProxy: e.TRUST_PROXY,
    appSecret: e.APP_SECRET,
    secretsKey: e.SECRETS_KEY ? parseSecretKey(e.SECRETS_KEY) : undefined,
    secretsKeyPrevious: (e.SECRETS_KEY_PREVIOUS ?? '')
      .split(',')
      .filter((k) => k.trim() !== '')
      .map((k) => parseSecretKey(k)!),
    loginRateLimitPerMinute: e.LOGIN_RATE_LIMIT_PER_MINUTE,
    logLevel: e.LOG_LEVEL,
    smtpUrl: e.SMTP_URL,
    smtpTlsRejectUnauthorized: e.SMTP_TLS_REJECT_UNAUTHORIZED,
    mailFrom: e.MAIL_FROM,
    mailWorker: e.MAIL_WORKER,
    publicUrl: e.PUBLIC_URL,
    loginUrl: e.PUBLIC_URL
      ? new URL('login', e.PUBLIC_URL.endsWith('/') ? e.PUBLIC_URL : `${e.PUBLIC_URL}/`).toString()
      : `http://localhost:${e.PORT}/login`,
  };
}
