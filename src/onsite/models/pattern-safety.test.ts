import { describe, expect, it } from 'vitest';
import { globToRegex, regexProblem } from './pattern-safety.js';

describe('URL pattern safety', () => {
  it('refuses patterns that do not compile or can backtrack exponentially', () => {
    expect(regexProblem('([a-z')).toMatch(/does not compile/);
    for (const evil of ['(a+)+$', '(a*)*b', '(x|xx)+y', '^(\\w+\\s?)*$', '(.*a){3,}', '(a)\\1']) expect(regexProblem(evil), evil).toBeDefined();
  });

  it('accepts ordinary URL patterns', () => {
    for (const fine of ['^/products/[0-9]+$', '/cart', '^/(en|ar|ja)/', 'utm_source=mail', '^/p/[a-z-]{3,40}$']) expect(regexProblem(fine), fine).toBeUndefined();
  });

  it('turns globs into anchored expressions with every other character literal', () => {
    const pattern = new RegExp(globToRegex('/products/*.html?'));
    expect(pattern.test('/products/shoes.html5')).toBe(true);
    expect(pattern.test('/products/shoes.htm')).toBe(false);
    expect(new RegExp(globToRegex('/a+b')).test('/a+b')).toBe(true);
  });
});
