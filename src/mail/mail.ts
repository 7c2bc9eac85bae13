/** One outgoing mail, rendered. */
export interface Mail {
  to: string;
  subject: string;
  text: string;
  html: string;
  /** What kind of mail this is (`account_locked`, ...): logged and written to the outbox. */
  template: string;
}

/** Hands a mail to whatever carries it; rejects when it could not. */
export abstract class MailTransport {
  abstract deliver(mail: Mail): Promise<void>;
  abstract close(): void;
}
