/**
 * Strings as Go's encoding/json writes them: JSON.stringify's escaping, plus
 * Go's HTML-safe escapes for < > & and the JavaScript line separators U+2028/2029.
 * Example: goJsonString('a<b') → "a\u003cb" (with the quotes).
 */

const GO_ESCAPES: Readonly<Record<string, string>> = {
  '<': '\\u003c', '>': '\\u003e', '&': '\\u0026', '\u2028': '\\u2028', '\u2029': '\\u2029',
};

export function goJsonString(s: string): string {
  return JSON.stringify(s).replace(/[<>&\u2028\u2029]/g, (c) => GO_ESCAPES[c] ?? c);
}
