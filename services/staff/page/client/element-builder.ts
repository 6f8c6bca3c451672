type Child = Node | string | number | null | undefined | false;
type Children = Array<Child | Child[]>;
type Attribute = string | number | boolean | null | undefined;

/**
 * What `h` sets on an element: `class`, `style`, `on<event>` listeners, and any other name as an
 * attribute (`true` sets it empty; `false`, `null` and `undefined` leave it off).
 */
export type Attributes = {
  class?: string;
  style?: Partial<CSSStyleDeclaration>;
  onclick?: (event: MouseEvent) => void;
} & Record<string, Attribute | Partial<CSSStyleDeclaration> | ((event: MouseEvent) => void)>;

/** Builds an element; text is always put in as text, never parsed as HTML. */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attributes: Attributes = {},
  ...children: Children
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    if (typeof value === 'function') element.addEventListener(name.slice(2), value as EventListener);
    else if (name === 'class') element.className = String(value);
    else if (typeof value === 'object') Object.assign(element.style, value);
    else element.setAttribute(name, value === true ? '' : String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    element.append(child instanceof Node ? child : String(child));
  }
  return element;
}

/** The element with this id, of the kind the page's HTML gives it; a missing one is a page bug. */
export function byId<E extends HTMLElement = HTMLElement>(id: string): E {
  const element = document.getElementById(id);
  if (!element) throw new Error(`the staff page has no element #${id}`);
  return element as E;
}
