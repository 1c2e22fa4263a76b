/*
 * URL patterns are written by marketers and run in every visitor's browser on every page: a
 * pattern that does not compile breaks targeting, and one with nested quantifiers such as
 * `(a+)+$` backtracks exponentially (ReDoS) and freezes the shop's page. Both are refused at save.
 */

/** Why a regular expression is refused, or undefined when it is safe to serve. */
export function regexProblem(source: string): string | undefined {
  try {
    new RegExp(source);
  } catch (error) {
    return `does not compile: ${error instanceof Error ? error.message : String(error)}`;
  }
  if (/\\[1-9]/.test(source)) return 'uses a back-reference, which can take exponential time';
  if (hasNestedQuantifier(source)) return 'has a quantified group that itself contains a quantifier (like (a+)+), which can take exponential time';
  return undefined;
}

/**
 * A group followed by a quantifier (`*`, `+`, `{n,}`) whose body already repeats (or has an
 * alternation), found with a small scanner over the pattern text (escapes and classes skipped).
 */
function hasNestedQuantifier(source: string): boolean {
  // Per open group: whether its body contains a quantifier or an alternation so far.
  const stack: boolean[] = [];
  let inClass = false;
  for (let i = 0; i < source.length; i++) {
    const char = source[i];
    if (char === '\\') {
      i++;
      continue;
    }
    if (inClass) {
      if (char === ']') inClass = false;
      continue;
    }
    if (char === '[') inClass = true;
    else if (char === '(') stack.push(false);
    else if (char === '|' && stack.length > 0) stack[stack.length - 1] = true;
    else if (char === ')') {
      const repeats = stack.pop() ?? false;
      const next = source[i + 1];
      const quantified = next === '*' || next === '+' || (next === '{' && /^\{\d*,\d*\}/.test(source.slice(i + 1)));
      if (quantified && repeats) return true;
      if (stack.length > 0 && (repeats || quantified)) stack[stack.length - 1] = true;
    } else if ((char === '*' || char === '+' || char === '?' || char === '{') && stack.length > 0) {
      stack[stack.length - 1] = true;
    }
  }
  return false;
}

/**
 * A glob (`*` any run of characters, `?` one character) as an anchored regular expression
 * source; every other character is literal.
 * @example globToRegex('/products/*') // '^/products/.*$'
 */
export function globToRegex(glob: string): string {
  const escaped = glob.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  return `^${escaped.replace(/\*/g, '.*').replace(/\?/g, '.')}$`;
}
