/** A hook's target as the form edits it: an HTTPS URL, or an email address with the syntax of the attachment. */
export type TargetChannel = 'http' | 'mail';
export type MailFormat = 'original' | 'ubl' | 'cii';

export interface TargetParts {
  channel: TargetChannel;
  url: string;
  address: string;
  format: MailFormat;
}

const MAILTO = /^mailto:([^?]*)(?:\?format=(ubl|cii))?$/i;

/** Splits a stored target (`https://…` or `mailto:address[?format=ubl|cii]`). */
export function splitTarget(target: string): TargetParts {
  const mail = MAILTO.exec(target.trim());
  if (mail === null) return { channel: 'http', url: target, address: '', format: 'original' };
  const format = (mail[2]?.toLowerCase() ?? 'original') as MailFormat;
  return { channel: 'mail', url: '', address: mail[1] ?? '', format };
}

/** The target the API takes; the server checks it (one plain address, https, …). */
export function joinTarget(parts: TargetParts): string {
  if (parts.channel === 'http') return parts.url.trim();
  const query = parts.format === 'original' ? '' : `?format=${parts.format}`;
  return `mailto:${parts.address.trim()}${query}`;
}
