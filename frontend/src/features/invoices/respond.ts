import type { Clarification, RespondRequest, ResponseCode } from './model';

/** One reason or action being edited: a code from its list and an optional text. */
export interface ClarificationDraft {
  code: string | null;
  text: string;
}

/** The drafts that have a code, as the API takes them (an empty text is left out). */
export function toClarifications(drafts: readonly ClarificationDraft[]): Clarification[] {
  return drafts.flatMap(({ code, text }) => {
    if (code === null) return [];
    const trimmed = text.trim();
    return [trimmed === '' ? { code } : { code, text: trimmed }];
  });
}

/** The request for a code, its reasons and actions and a note; empty parts are left out. */
export function respondBody(
  code: ResponseCode,
  reasons: readonly ClarificationDraft[],
  actions: readonly ClarificationDraft[],
  note: string,
): RespondRequest {
  const body: RespondRequest = { code };
  const reasonList = toClarifications(reasons);
  const actionList = toClarifications(actions);
  if (reasonList.length > 0) body.reasons = reasonList;
  if (actionList.length > 0) body.actions = actionList;
  if (note.trim() !== '') body.note = note.trim();
  return body;
}
