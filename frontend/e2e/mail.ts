/**
 * Reading the server's file outbox: every email is an RFC 5322 `.eml` file in
 * `<HAVEN_DATA_DIR>/outbox/` named `<unix-micros>-<id>.eml` (so names sort by time).
 * Parses just enough MIME for the tests: headers, multipart bodies, quoted-printable and
 * base64 transfer encodings, and RFC 2047 encoded words in headers.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';

import { DATA_DIR_ENV } from './server';

export interface Mail {
  file: string;
  to: string;
  subject: string;
  /** The decoded text/plain part (or the HTML part when there is no plain text). */
  text: string;
}

export function outboxDir(): string {
  const dir = process.env[DATA_DIR_ENV];
  if (dir === undefined) throw new Error(`${DATA_DIR_ENV} is not set: run the tests with \`npm run e2e\`.`);
  return join(dir, 'outbox');
}

/** Decodes quoted-printable: soft line breaks (`=\r\n`) are removed, `=XX` become bytes. */
export function decodeQuotedPrintable(input: string): Buffer {
  const unfolded = input.replace(/=\r?\n/g, '');
  const bytes: number[] = [];
  for (let i = 0; i < unfolded.length; i++) {
    const char = unfolded[i] ?? '';
    const hex = unfolded.slice(i + 1, i + 3);
    if (char === '=' && /^[0-9A-Fa-f]{2}$/.test(hex)) {
      bytes.push(parseInt(hex, 16));
      i += 2;
    } else {
      bytes.push(...Buffer.from(char, 'utf8'));
    }
  }
  return Buffer.from(bytes);
}

interface Part {
  headers: Map<string, string>;
  body: string;
}

function splitPart(raw: string): Part {
  const match = /\r?\n\r?\n/.exec(raw);
  const head = match === null ? raw : raw.slice(0, match.index);
  const body = match === null ? '' : raw.slice(match.index + match[0].length);
  const headers = new Map<string, string>();
  // Unfold continuation lines, then split "Name: value".
  for (const line of head.replace(/\r?\n[ \t]+/g, ' ').split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon > 0) headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
  }
  return { headers, body };
}

function decodeBody(part: Part): string {
  const encoding = (part.headers.get('content-transfer-encoding') ?? '7bit').toLowerCase();
  if (encoding === 'quoted-printable') return decodeQuotedPrintable(part.body).toString('utf8');
  if (encoding === 'base64') return Buffer.from(part.body.replace(/\s+/g, ''), 'base64').toString('utf8');
  return part.body;
}

/** RFC 2047 `=?utf-8?Q?...?=` / `=?utf-8?B?...?=` words in a header value. */
function decodeHeader(value: string): string {
  return value
    .replace(/\?=\s+=\?/g, '?==?')
    .replace(/=\?[^?]+\?([QqBb])\?([^?]*)\?=/g, (_all, kind: string, text: string) =>
      kind.toUpperCase() === 'B'
        ? Buffer.from(text, 'base64').toString('utf8')
        : decodeQuotedPrintable(text.replace(/_/g, ' ')).toString('utf8'),
    );
}

/** All leaf parts of a (possibly nested multipart) message. */
function leaves(part: Part): Part[] {
  const type = part.headers.get('content-type') ?? 'text/plain';
  const boundary = /boundary="?([^";]+)"?/i.exec(type)?.[1];
  if (!type.toLowerCase().startsWith('multipart/') || boundary === undefined) return [part];
  const sections = part.body.split(`--${boundary}`).slice(1);
  return sections
    .filter((section) => !section.startsWith('--'))
    .flatMap((section) => leaves(splitPart(section.replace(/^\r?\n/, ''))));
}

export function parseEml(raw: string, file = ''): Mail {
  const message = splitPart(raw);
  const parts = leaves(message);
  const plain = parts.find((p) => (p.headers.get('content-type') ?? 'text/plain').toLowerCase().startsWith('text/plain'));
  const html = parts.find((p) => (p.headers.get('content-type') ?? '').toLowerCase().startsWith('text/html'));
  const chosen = plain ?? html;
  const to = decodeHeader(message.headers.get('to') ?? '');
  return {
    file,
    to: (/<([^>]+)>/.exec(to)?.[1] ?? to).trim(),
    subject: decodeHeader(message.headers.get('subject') ?? ''),
    text: chosen === undefined ? '' : decodeBody(chosen),
  };
}

/** Every message in the outbox, oldest first. */
export async function readOutbox(): Promise<Mail[]> {
  const dir = outboxDir();
  const names = await readdir(dir).catch(() => [] as string[]);
  const files = names.filter((n) => n.endsWith('.eml') && !n.startsWith('.')).sort();
  return Promise.all(files.map(async (name) => parseEml(await readFile(join(dir, name), 'utf8'), name)));
}

/** Every http(s) URL in a text, in order. */
export function linksIn(text: string): string[] {
  return (text.match(/https?:\/\/[^\s<>"]+/g) ?? []).map((link) => link.replace(/[.,);]+$/, ''));
}

/**
 * Waits for the newest message to `address` that contains a link whose path is `path`
 * (e.g. `/verify-email`) and returns that link. Messages listed in `skip` are ignored.
 */
export async function waitForLink(address: string, path: string, timeoutMs = 15_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const mails = (await readOutbox()).filter((m) => m.to.toLowerCase() === address.toLowerCase());
    for (const mail of mails.reverse()) {
      const link = linksIn(mail.text).find((l) => new URL(l).pathname === path);
      if (link !== undefined) return link;
    }
    if (Date.now() > deadline) {
      const seen = mails.map((m) => `${m.to}: ${m.subject}`).join('; ') || 'none';
      throw new Error(`no email to ${address} with a ${path} link within ${String(timeoutMs)} ms (messages: ${seen})`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * Waits for the newest message to `address` whose text matches `pattern` and returns the
 * match (e.g. an activation code).
 */
export async function waitForText(address: string, pattern: RegExp, timeoutMs = 15_000): Promise<RegExpMatchArray> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const mails = (await readOutbox()).filter((m) => m.to.toLowerCase() === address.toLowerCase());
    for (const mail of mails.reverse()) {
      const match = pattern.exec(mail.text);
      if (match !== null) return match;
    }
    if (Date.now() > deadline) {
      const seen = mails.map((m) => `${m.to}: ${m.subject}`).join('; ') || 'none';
      throw new Error(`no email to ${address} matching ${String(pattern)} within ${String(timeoutMs)} ms (messages: ${seen})`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}
