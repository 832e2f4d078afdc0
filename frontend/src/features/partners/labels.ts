/** Badge colours for request, partnership and grant statuses. */
export function statusColor(status: string): string {
  switch (status) {
    case 'active':
    case 'accepted':
      return 'green';
    case 'pending':
    case 'offered':
      return 'blue';
    case 'declined':
    case 'ended':
    case 'revoked':
      return 'red';
    default:
      return 'gray';
  }
}
