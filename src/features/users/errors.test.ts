import { describe, expect, it } from 'vitest';
import {
  AlreadyExecuted,
  BulkDeleteBlocked,
  describeUserActionError,
  InvalidActionToken,
  UserLimitReached,
} from './errors.js';

describe('describeUserActionError: one message ID and status per refusal', () => {
  it('maps each refusal', () => {
    expect(describeUserActionError(new UserLimitReached())).toEqual({
      id: 'error.user.limitReached',
      status: 409,
    });
    expect(describeUserActionError(new AlreadyExecuted())).toEqual({
      id: 'error.alreadyExecuted',
      status: 409,
    });
    expect(describeUserActionError(new InvalidActionToken())).toEqual({
      id: 'error.action.invalid',
      status: 400,
    });
    expect(describeUserActionError(new BulkDeleteBlocked(['U1', 'U2']))).toEqual({
      id: 'error.bulkDelete.blocked',
      params: { users: 'U1、U2' },
      status: 409,
    });
  });
});
