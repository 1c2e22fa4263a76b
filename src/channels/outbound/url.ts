/*
 * URLs may carry credentials (`https://user:pass@host/hook`, basic auth for the receiver). They
 * are secrets: stored sealed, sent as an Authorization header, and shown masked everywhere else.
 */

/**
 * The text with the user info of every URL in it replaced by `***:***`.
 * @example maskCredentials('https://shop:s3cret@hooks.example/x') // 'https://***:***@hooks.example/x'
 */
export function maskCredentials(text: string): string {
  return text.replace(/([a-z][a-z0-9+.-]*:\/\/)[^/?#\s]*@/gi, '$1***:***@');
}

/** Whether a URL carries a user name or password. */
export function hasCredentials(url: string): boolean {
  try {
    const parsed = new URL(url);
    return parsed.username !== '' || parsed.password !== '';
  } catch {
    return /^[a-z][a-z0-9+.-]*:\/\/[^/?#]*@/i.test(url);
  }
}

/**
 * A stored URL (sealed when it carries credentials) as people see it: opened and masked, or a
 * note when the key that sealed it is missing (a listing must not fail over one row).
 * @example shownUrl(stored, (value) => secrets.open(value, context))
 */
export function shownUrl(stored: string, open: (value: string) => string): string {
  try {
    return maskCredentials(open(stored));
  } catch {
    return 'sealed with a key this server does not hold';
  }
}
