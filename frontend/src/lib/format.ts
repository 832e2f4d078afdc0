/** A decimal amount from the API (e.g. "0.34") as a currency string in the UI language. */
export function formatPrice(amount: string, currency: string, language: string): string {
  const value = Number(amount);
  if (!Number.isFinite(value)) return `${currency} ${amount}`;
  return new Intl.NumberFormat(language, { style: 'currency', currency, minimumFractionDigits: 2 }).format(value);
}

/** A timestamp from the API in the UI language. */
export function formatDateTime(value: string, language: string): string {
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) return value;
  return new Intl.DateTimeFormat(language, { dateStyle: 'medium', timeStyle: 'short' }).format(date);
}
