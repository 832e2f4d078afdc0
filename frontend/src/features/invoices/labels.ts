import type { DocumentStatus } from './model';

/**
 * The badge colour of a status: red when something needs a person, green when done, blue
 * while under way, gray for the quiet in-between states. Takes any string: a status this app
 * does not know yet (a newer server) is gray.
 */
export function statusColor(status: string): string {
  switch (status) {
    case 'failed':
    case 'rejected':
      return 'red';
    case 'retrying':
    case 'duplicate':
    case 'under_review':
      return 'yellow';
    case 'delivered':
    case 'approved':
    case 'paid':
      return 'green';
    case 'pending':
    case 'validated':
    case 'routed':
    case 'received':
      return 'blue';
    default:
      return 'gray';
  }
}

/** Whether an inbox document may be marked as the original (it was flagged as a duplicate). */
export function canMarkOriginal(status: DocumentStatus): boolean {
  return status === 'duplicate';
}

/** The badge colour of an Invoice Response: the colour of the status it leads to. */
export function responseColor(code: string): string {
  switch (code) {
    case 'ap':
    case 'pd':
      return 'green';
    case 're':
      return 'red';
    case 'uq':
    case 'ca':
      return 'yellow';
    default:
      return 'blue';
  }
}
