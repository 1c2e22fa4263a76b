/** A tiny element builder: widgets build their DOM with it instead of innerHTML, so content is never parsed as markup. */
export type Child = Node | string | null | undefined | false;

const present = (children: Child[]): (Node | string)[] => children.filter((child): child is Node | string => child !== null && child !== undefined && child !== false);

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Record<string, string | number | boolean | null | undefined | ((event: Event) => void)> = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (typeof value === 'function') node.addEventListener(name, value);
    else if (value === true) node.setAttribute(name, '');
    else if (value !== null && value !== undefined && value !== false) node.setAttribute(name, String(value));
  }
  node.append(...present(children));
  return node;
}

/** Replaces an element's children (absent ones skipped). */
export function fill(node: Element, ...children: Child[]): void {
  node.replaceChildren(...present(children));
}

/** Appends children to an element (absent ones skipped). */
export function add(node: Element, ...children: Child[]): void {
  node.append(...present(children));
}

/** Only http(s) and relative links reach an href: a campaign cannot smuggle `javascript:` into the shop's page. */
export function safeUrl(url: string | null | undefined): string | undefined {
  if (url === null || url === undefined || url === '') return undefined;
  try {
    const parsed = new URL(url, location.href);
    return parsed.protocol === 'https:' || parsed.protocol === 'http:' ? parsed.href : undefined;
  } catch {
    return undefined;
  }
}
