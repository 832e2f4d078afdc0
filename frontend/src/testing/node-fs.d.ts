// Unit tests run in Node, but the app's type-check leaves Node's types out: the one function
// of node:fs that tests use (to read CSS files, which Vitest's `css: false` would empty).
declare module 'node:fs' {
  export function readFileSync(path: string, encoding: 'utf8'): string;
}
