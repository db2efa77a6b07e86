import { describe, expect, it } from 'vitest';
import { NotLocked, UserDeleted } from '../errors.js';
import { blankUser, type User } from '../model.js';
import { assertReissuable, assertUnlockable } from './service.js';

const user = (values: Partial<User>): User => blankUser({ userId: 'U000000001', ...values });

describe('the rules of unlock and reissue', () => {
  it('only a locked, not deleted user can be unlocked (SPEC §4.8)', () => {
    expect(() => assertUnlockable(user({}))).toThrow(NotLocked);
    expect(() => assertUnlockable(user({ locked: true, deleted: true }))).toThrow(UserDeleted);
    expect(() => assertUnlockable(user({ locked: true }))).not.toThrow();
  });

  it('a locked user can be reissued a password, a deleted one cannot (D-12)', () => {
    expect(() => assertReissuable(user({ locked: true }))).not.toThrow();
    expect(() => assertReissuable(user({ deleted: true }))).toThrow(UserDeleted);
  });
});
