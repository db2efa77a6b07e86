// What a notice is (one kind per event), who it is about, and who gets a copy (SPEC §5).

/**
 * Who a notice is about, or who acted: what a mail names. Mail is a service every feature
 * calls, so it takes this shape rather than importing a feature's model.
 */
export interface NoticePerson {
  userId: string;
  userName: string;
  email: string;
  operatorCode: string;
}

export type Notice =
  | {
      event: 'registered';
      at: Date;
      user: NoticePerson;
      actor: NoticePerson | null;
      temporaryPassword: string;
      expiresAt: Date;
    }
  | {
      event: 'changed';
      at: Date;
      /** The user after the change. */
      user: NoticePerson;
      actor: NoticePerson;
      /** The labels of the changed fields (e.g. メールアドレス). */
      changes: string[];
      /** The mail address before the change, when it changed: it is told too. */
      previousEmail?: string;
    }
  | { event: 'unlocked'; at: Date; user: NoticePerson; actor: NoticePerson }
  | {
      event: 'passwordReissued';
      at: Date;
      user: NoticePerson;
      actor: NoticePerson;
      temporaryPassword: string;
      expiresAt: Date;
    }
  | { event: 'deleted'; at: Date; user: NoticePerson; actor: NoticePerson }
  | { event: 'locked'; at: Date; user: NoticePerson }
  /** SPEC D-22: the user enrolled an authenticator app, or removed it. */
  | { event: 'secondFactorEnabled'; at: Date; user: NoticePerson }
  | { event: 'secondFactorRemoved'; at: Date; user: NoticePerson }
  /** An admin of the operator reset the user's second factor (the user lost it). */
  | { event: 'secondFactorReset'; at: Date; user: NoticePerson; actor: NoticePerson }
  /** A recovery code was used to log in: the user learns how many are left. */
  | { event: 'recoveryCodeUsed'; at: Date; user: NoticePerson; left: number }
  /** An admin (the user of the notice) set whether the operator requires a second factor. */
  | { event: 'secondFactorPolicy'; at: Date; user: NoticePerson; required: boolean }
  /** SPEC D-22: the user registered or removed a passkey (by the name they gave it). */
  | { event: 'passkeyAdded'; at: Date; user: NoticePerson; name: string }
  | { event: 'passkeyRemoved'; at: Date; user: NoticePerson; name: string }
  /** A passkey was used to log in: told to the user alone, as a login notice. */
  | { event: 'passkeyUsed'; at: Date; user: NoticePerson; name: string; ip: string };

export interface ComposedMail {
  subject: string;
  body: string;
}

/** Who gets one copy of a notice, and what that copy may say (SPEC §5, D-16). */
export interface NoticeRecipient {
  userId: string;
  userName: string;
  email: string;
  /** The user the notice is about (as opposed to one of the operator's admins). */
  concerned: boolean;
  /**
   * D-16 (revised): whether this copy carries the temporary password: always the user
   * concerned; at a registration also the admin who registered; at a reissue nobody else.
   */
  seesSecret: boolean;
}

export type NoticeEvent = Notice['event'];

/** The notice of one event, by its name. */
export type NoticeOf<E extends NoticeEvent> = Extract<Notice, { event: E }>;

/** What every notice's body may name, for the copy being composed. */
export interface NoticeContext {
  /** The copy goes to the user the notice is about (not to one of the operator's admins). */
  toUser: boolean;
  /** The copy may carry the temporary password (D-16). */
  seesSecret: boolean;
  /** ユーザID, ユーザ名 and 事業者コード of the user concerned, one a line. */
  who: string;
  /** 日時: when it happened, in Japan time. */
  when: string;
  /** 作業者: the admin who acted, or '' when nobody did (a registration from the command line). */
  actor: string;
}

/** One event's mail: its subject, and the lines of its body between the salutation and the footer. */
export interface NoticeText<E extends NoticeEvent> {
  subject: string;
  body(notice: NoticeOf<E>, c: NoticeContext): string[];
}

/** A text for each of the events `E`; checked with `satisfies`, so none is left without one. */
export type NoticeTexts<E extends NoticeEvent> = { [K in E]: NoticeText<K> };
