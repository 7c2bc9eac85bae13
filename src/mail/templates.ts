import { ClientContext } from '../common/http/request-context';
import { Mail } from './mail';

/** What every security notice carries besides its own lines. */
export interface NoticeContext {
  to: string;
  at: Date;
  client: ClientContext | undefined;
  publicUrl: string;
}

export interface Notice {
  template: string;
  subject: string;
  /** Plain sentences; each becomes a paragraph. */
  lines: string[];
}

const NOT_YOU =
  'If this was not you, change your password now and contact your administrator: someone else may have access to your account.';

function escapeHtml(text: string): string {
  return text.replace(
    /[&<>"']/g,
    (char) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[char] as string,
  );
}

/** Renders a security notice as text and HTML, with when and from where it happened. */
export function renderNotice(notice: Notice, context: NoticeContext): Mail {
  const details = [`When: ${context.at.toISOString().replace('T', ' ').slice(0, 19)} UTC`];
  if (context.client?.ip) details.push(`IP address: ${context.client.ip}`);
  const paragraphs = [...notice.lines, details.join('\n'), NOT_YOU];
  const text = `${paragraphs.join('\n\n')}\n\n-- \nTwofold security notice for ${context.to} from ${context.publicUrl}\n`;
  const html = [
    '<!doctype html><html><body style="font-family:sans-serif;line-height:1.5">',
    `<h2>${escapeHtml(notice.subject)}</h2>`,
    ...paragraphs.map((paragraph) => `<p>${escapeHtml(paragraph).replace(/\n/g, '<br>')}</p>`),
    `<p style="color:#666;font-size:12px">Twofold security notice for ${escapeHtml(context.to)}</p>`,
    '</body></html>',
  ].join('\n');
  return { to: context.to, subject: notice.subject, text, html, template: notice.template };
}

export interface LinkMail {
  template: string;
  subject: string;
  lines: string[];
  link: string;
  action: string;
  /** Shown under the button: what to do if the mail was not expected. */
  ignoreLine: string;
}

/** Renders a mail whose point is one link (sign in, reset, verify): the link is its only secret. */
export function renderLinkMail(mail: LinkMail, to: string): Mail {
  const text = [...mail.lines, `${mail.action}: ${mail.link}`, mail.ignoreLine].join('\n\n') + '\n';
  const html = [
    '<!doctype html><html><body style="font-family:sans-serif;line-height:1.5">',
    `<h2>${escapeHtml(mail.subject)}</h2>`,
    ...mail.lines.map((line) => `<p>${escapeHtml(line)}</p>`),
    `<p><a href="${escapeHtml(mail.link)}">${escapeHtml(mail.action)}</a></p>`,
    `<p style="color:#666;font-size:12px">${escapeHtml(mail.ignoreLine)}</p>`,
    '</body></html>',
  ].join('\n');
  return { to, subject: mail.subject, text, html, template: mail.template };
}
