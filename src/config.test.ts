import { describe, expect, it } from 'vitest';
import { loadConfig } from './config.js';

describe('configuration', () => {
  it('derives the login URL that every mail names from PUBLIC_URL, or this host (SPEC §5)', () => {
    expect(loadConfig({ PUBLIC_URL: 'https://capacity.example.jp' }).loginUrl).toBe(
      'https://capacity.example.jp/login',
    );
    expect(loadConfig({ PUBLIC_URL: 'https://example.jp/capacity/' }).loginUrl).toBe(
      'https://example.jp/capacity/login',
    );
    expect(loadConfig({ PORT: '3100' }).loginUrl).toBe('http://localhost:3100/login');
  });
});
