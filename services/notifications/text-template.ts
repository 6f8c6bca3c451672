/**
 * The template syntax, deliberately small so anyone can edit a message without learning a
 * library: `{{ name }}` inserts a value (HTML-escaped in HTML templates), `{{# name }}…{{/ name }}`
 * keeps its content when the value is truthy, `{{^ name }}…{{/ name }}` when it is not.
 * Nothing else: no code, no helpers, no unescaped output, so a template cannot inject markup.
 */

type Node =
  | { kind: 'text'; text: string }
  | { kind: 'value'; name: string; line: number }
  | { kind: 'section'; name: string; inverted: boolean; children: Node[]; line: number };

export type TemplateValue = string | number | boolean | null | undefined;
export type TemplateValues = Readonly<Record<string, TemplateValue>>;

export class TemplateError extends Error {
  override readonly name = 'TemplateError';
}

export interface CompiledTemplate {
  readonly file: string;
  /** Every name the template uses, so a typo is found when templates load, not when a mail goes out. */
  readonly names: ReadonlySet<string>;
  render(values: TemplateValues): string;
}

const tag = /\{\{\s*([#^/]?)\s*([A-Za-z][A-Za-z0-9_]*)\s*\}\}/g;

export function compileTemplate(
  source: string,
  options: { file: string; escape: 'html' | 'none' },
): CompiledTemplate {
  const { file } = options;
  const root: Node[] = [];
  const stack: Array<{ name: string; children: Node[]; line: number }> = [];
  const names = new Set<string>();
  let children = root;
  let last = 0;
  const lineAt = (index: number) => source.slice(0, index).split('\n').length;

  for (const match of source.matchAll(tag)) {
    const [whole, sigil, name] = match as unknown as [string, string, string];
    const index = match.index!;
    if (index > last) children.push({ kind: 'text', text: source.slice(last, index) });
    last = index + whole.length;
    const line = lineAt(index);
    names.add(name);
    if (sigil === '') {
      children.push({ kind: 'value', name, line });
    } else if (sigil === '#' || sigil === '^') {
      const section: Node = { kind: 'section', name, inverted: sigil === '^', children: [], line };
      children.push(section);
      stack.push({ name, children, line });
      children = section.children;
    } else {
      const open = stack.pop();
      if (!open)
        throw new TemplateError(`${file}:${line}: {{/${name}}} closes a section that was never opened`);
      if (open.name !== name) {
        throw new TemplateError(
          `${file}:${line}: {{/${name}}} closes {{#${open.name}}} opened on line ${open.line}`,
        );
      }
      children = open.children;
    }
  }
  const open = stack.pop();
  if (open) throw new TemplateError(`${file}:${open.line}: {{#${open.name}}} is never closed`);
  if (last < source.length) children.push({ kind: 'text', text: source.slice(last) });
  const stray = /\{\{|\}\}/.exec(source.replace(tag, (whole) => ' '.repeat(whole.length)));
  if (stray) {
    throw new TemplateError(
      `${file}:${lineAt(stray.index)}: "${stray[0]}" is not a placeholder; they look like {{ name }}`,
    );
  }

  const escapeValue = options.escape === 'html' ? escapeHtml : (text: string) => text;
  const render = (nodes: Node[], values: TemplateValues): string => {
    let out = '';
    for (const node of nodes) {
      if (node.kind === 'text') {
        out += node.text;
        continue;
      }
      if (!(node.name in values)) {
        throw new TemplateError(`${file}:${node.line}: no value for {{${node.name}}}`);
      }
      const value = values[node.name];
      if (node.kind === 'value') {
        out += escapeValue(value === null || value === undefined ? '' : String(value));
      } else if (Boolean(value) !== node.inverted) {
        out += render(node.children, values);
      }
    }
    return out;
  };

  return { file, names, render: (values) => render(root, values) };
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
