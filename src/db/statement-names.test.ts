import { describe, expect, it } from 'vitest';
import { nameStatement, statementName } from './statement-names.js';

describe('statement names (PostgreSQL prepared statements)', () => {
  it('names a precompiled query from its first run, the same name every time', () => {
    nameStatement('select 1 -- precompiled');
    const name = statementName('select 1 -- precompiled');
    expect(name).toMatch(/^cmus_\d+$/);
    expect(statementName('select 1 -- precompiled')).toBe(name);
  });

  it('runs another text unnamed twice, then names it for good', () => {
    const text = 'select 2 -- repeated';
    expect(statementName(text)).toBeUndefined();
    expect(statementName(text)).toBeUndefined();
    const name = statementName(text);
    expect(name).toMatch(/^cmus_\d+$/);
    expect(statementName(text)).toBe(name);
  });

  it('gives different texts different names', () => {
    nameStatement('select 3');
    nameStatement('select 4');
    expect(statementName('select 3')).not.toBe(statementName('select 4'));
  });

  it('leaves a text run once unnamed (a migration, a maintenance command)', () => {
    expect(statementName('alter table t add column c text')).toBeUndefined();
  });
});
