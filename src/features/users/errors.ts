import type { MessageId } from '../../lib/messages.js';

/**
 * The refusals of the user-management actions (SPEC §4.4–§4.9), one small class each
 * (STYLE "Errors"). Services throw them inside their transaction, so a refusal rolls
 * back everything, the one-time token included; `describeUserActionError` is the one
 * place that turns them into a message of the catalog and an HTTP status.
 */
export abstract class UserActionError extends Error {
  abstract readonly kind: UserActionKind;
}

/**
 * The kinds of refusal, listed once: a new class needs a kind from here, the mapping below
 * needs an entry for every kind, and every kind needs its class in AnyUserActionError.
 */
export type UserActionKind =
  | 'userLimitReached'
  | 'staleUpdate'
  | 'adminCannotBeDeleted'
  | 'userDeleted'
  | 'userNotFound'
  | 'notLocked'
  | 'ownEnabledChange'
  | 'adminEmailOwnOnly'
  | 'noneSelected'
  | 'bulkDeleteBlocked'
  | 'secondFactorNotEnabled'
  | 'alreadyExecuted'
  | 'invalidActionToken';

/** The class of a refusal that carries nothing but its kind. */
function refusal<K extends UserActionKind>(kind: K) {
  return class extends UserActionError {
    readonly kind = kind;
  };
}

/**
 * SPEC §1: at most eight general users per operator, not counting deleted ones. A bulk
 * registration (§4.12) also says how many still fit and how many it asked for.
 */
export class UserLimitReached extends refusal('userLimitReached') {
  constructor(readonly room?: { remaining: number; requested: number }) {
    super('general user limit reached');
  }
}

/** SPEC §4.5: someone changed (or deleted) the user after the form was shown. */
export class StaleUpdate extends refusal('staleUpdate') {}

/** SPEC §2: admin users cannot be deleted. */
export class AdminCannotBeDeleted extends refusal('adminCannotBeDeleted') {}

/** SPEC §4.5, §4.6, §4.8, D-12: a deleted user cannot be changed, deleted again, unlocked or reissued. */
export class UserDeleted extends refusal('userDeleted') {}

/** SPEC §2: unknown, or another operator's user (never told apart). */
export class UserNotFound extends refusal('userNotFound') {}

/** SPEC §4.8: only a locked user can be unlocked. */
export class NotLocked extends refusal('notLocked') {}

/** SPEC §2 row 2: an admin cannot change their own 有効/無効. */
export class OwnEnabledChange extends refusal('ownEnabledChange') {}

/**
 * An admin's メールアドレス is changed by that admin only: otherwise one admin could
 * point the other's address at a mailbox of their own and reissue the other's password,
 * which goes to that address (SPEC D-16, ASVS V7.5.1).
 */
export class AdminEmailOwnOnly extends refusal('adminEmailOwnOnly') {}

/** SPEC §4.7: bulk delete with no user ticked. */
export class NoneSelected extends refusal('noneSelected') {}

/** SPEC D-11: one or more ticked users cannot be deleted, so none is. */
export class BulkDeleteBlocked extends refusal('bulkDeleteBlocked') {
  constructor(readonly userIds: string[]) {
    super(`bulk delete blocked by ${userIds.length} user(s)`);
  }
}

/** SPEC D-22: the admin's reset of a second factor, for a user who has none. */
export class SecondFactorNotEnabled extends refusal('secondFactorNotEnabled') {}

/** SPEC §4: every 実行 executes at most once; this token was already used. */
export class AlreadyExecuted extends refusal('alreadyExecuted') {}

/** The token is unknown, expired, of another session or of another action. */
export class InvalidActionToken extends refusal('invalidActionToken') {}

export interface DescribedError {
  id: MessageId;
  params?: Record<string, string | number>;
  status: number;
  /** Further lines under the message, where a screen can show them (the bulk register form). */
  details?: { id: MessageId; params?: Record<string, string | number> }[];
}

/** Every refusal class; a new class must be added here, and its kind to USER_ACTION_ERRORS. */
export type AnyUserActionError =
  | UserLimitReached
  | StaleUpdate
  | AdminCannotBeDeleted
  | UserDeleted
  | UserNotFound
  | NotLocked
  | OwnEnabledChange
  | AdminEmailOwnOnly
  | NoneSelected
  | BulkDeleteBlocked
  | SecondFactorNotEnabled
  | AlreadyExecuted
  | InvalidActionToken;

type ErrorOfKind<K extends UserActionKind> = Extract<AnyUserActionError, { kind: K }>;

/** A kind whose class is missing from AnyUserActionError makes this type a compile error. */
type KindWithoutClass = Exclude<UserActionKind, AnyUserActionError['kind']>;
type Holds<T extends true> = T;
export type EveryKindHasItsClass = Holds<[KindWithoutClass] extends [never] ? true : false>;

/**
 * The one mapping from a refusal to its message and HTTP status, keyed by kind: the
 * `satisfies` check makes a kind without an entry (or an entry without a kind) a compile
 * error, so a new refusal cannot fall through to a generic message.
 */
const USER_ACTION_ERRORS = {
  userLimitReached: (error) =>
    error.room
      ? {
          id: 'error.user.limitReached',
          status: 409,
          details: [
            {
              id: 'error.bulkRegist.remaining',
              params: { remaining: error.room.remaining, count: error.room.requested },
            },
          ],
        }
      : { id: 'error.user.limitReached', status: 409 },
  staleUpdate: () => ({ id: 'error.user.staleUpdate', status: 409 }),
  adminCannotBeDeleted: () => ({ id: 'error.user.adminCannotBeDeleted', status: 409 }),
  userDeleted: () => ({ id: 'error.user.deleted', status: 409 }),
  userNotFound: () => ({ id: 'error.user.notFound', status: 404 }),
  notLocked: () => ({ id: 'error.user.notLocked', status: 409 }),
  ownEnabledChange: () => ({ id: 'error.user.ownEnabled', status: 400 }),
  adminEmailOwnOnly: () => ({ id: 'error.user.adminEmailOwnOnly', status: 400 }),
  noneSelected: () => ({ id: 'error.bulkDelete.noneSelected', status: 400 }),
  bulkDeleteBlocked: (error) => ({
    id: 'error.bulkDelete.blocked',
    params: { users: error.userIds.join('、') },
    status: 409,
  }),
  secondFactorNotEnabled: () => ({ id: 'error.secondFactor.notEnabled', status: 409 }),
  alreadyExecuted: () => ({ id: 'error.alreadyExecuted', status: 409 }),
  invalidActionToken: () => ({ id: 'error.action.invalid', status: 400 }),
} satisfies { [K in UserActionKind]: (error: ErrorOfKind<K>) => DescribedError };

/** The message ID and HTTP status of a refusal. */
export function describeUserActionError(error: UserActionError): DescribedError {
  const known = error as AnyUserActionError;
  const describe = USER_ACTION_ERRORS[known.kind] as (error: AnyUserActionError) => DescribedError;
  return describe(known);
}
