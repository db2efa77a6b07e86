import { describe, expect, it } from 'vitest';
import { AdminCannotBeDeleted, UserDeleted } from '../errors.js';
import { blankUser, type User } from '../model.js';
import { assertDeletable, selectedUserIds } from './service.js';

const user = (values: Partial<User>): User => blankUser({ userId: 'U000000001', ...values });

describe('the rules of delete and bulk delete', () => {
  it('admins and deleted users cannot be deleted (SPEC §2, §4.6)', () => {
    expect(() => assertDeletable(user({ role: 'admin' }))).toThrow(AdminCannotBeDeleted);
    expect(() => assertDeletable(user({ deleted: true }))).toThrow(UserDeleted);
    expect(() => assertDeletable(user({}))).not.toThrow();
  });

  it('dedupes and trims a bulk selection, dropping blanks', () => {
    expect(selectedUserIds([' U1 ', 'U2', 'U1', ''])).toEqual(['U1', 'U2']);
  });
});
