/**
 * Where to go after a sign-in that happens elsewhere: someone who opens an emailed link
 * without an account registers first, and confirms the address in another tab; that tab
 * picks the page up from here. Same-origin paths only.
 */
const KEY = 'haven.returnTo';

export function rememberReturnTo(path: string): void {
  if (path.startsWith('/') && !path.startsWith('//')) localStorage.setItem(KEY, path);
}

/** The remembered page, once. */
export function takeReturnTo(): string | null {
  const path = localStorage.getItem(KEY);
  localStorage.removeItem(KEY);
  return path !== null && path.startsWith('/') && !path.startsWith('//') ? path : null;
}
