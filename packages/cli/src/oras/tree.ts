/** A node of a printed tree (oras `internal/tree`). */
export interface TreeNode {
  readonly label: string;
  readonly children: TreeNode[];
}

export function node(label: string, children: TreeNode[] = []): TreeNode {
  return { label, children };
}

/** Adds a child under `parent` unless one with the same label exists; returns it. */
export function childOf(parent: TreeNode, label: string): TreeNode {
  const found = parent.children.find((c) => c.label === label);
  if (found) return found;
  const created = node(label);
  parent.children.push(created);
  return created;
}

/** Renders a tree with oras's box-drawing characters. */
export function renderTree(root: TreeNode): string {
  const lines: string[] = [root.label];
  const walk = (n: TreeNode, prefix: string): void => {
    n.children.forEach((child, i) => {
      const last = i === n.children.length - 1;
      lines.push(`${prefix}${last ? '└── ' : '├── '}${child.label}`);
      walk(child, `${prefix}${last ? '    ' : '│   '}`);
    });
  };
  walk(root, '');
  return `${lines.join('\n')}\n`;
}

// YAML 1.1 booleans and null spellings that go-yaml quotes with single quotes.
const YAML11_BOOL = /^(y|Y|yes|Yes|YES|n|N|no|No|NO|on|On|ON|off|Off|OFF)$/;
const CORE_TYPED =
  /^(~|null|Null|NULL|true|True|TRUE|false|False|FALSE|[-+]?(\.inf|\.Inf|\.INF)|\.nan|\.NaN|\.NAN|[-+]?[0-9][0-9_]*|0o[0-7]+|0x[0-9a-fA-F]+|[-+]?(\.[0-9]+|[0-9][0-9_]*(\.[0-9_]*)?)([eE][-+]?[0-9]+)?|\d{4}-\d\d?-\d\d?([Tt ]\d\d?:\d\d:\d\d(\.\d*)?\s*(Z|[-+]\d\d?(:\d\d)?)?)?)$/;

/**
 * A string as go-yaml v3 writes a scalar (oras prints annotations as `key: value` YAML):
 * plain when unambiguous, `"…"` when it would read as another type, `'…'` for indicators.
 */
export function yamlScalar(value: string): string {
  if (value === '') return '""';
  if ([...value].some((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f)) {
    return JSON.stringify(value);
  }
  if (CORE_TYPED.test(value)) return `"${value}"`;
  if (
    YAML11_BOOL.test(value) ||
    /^[-?:,[\]{}#&*!|>'"%@`\s]/.test(value) ||
    /\s$/.test(value) ||
    value.includes(': ') ||
    value.includes(' #') ||
    value.endsWith(':')
  ) {
    return `'${value.replace(/'/g, "''")}'`;
  }
  return value;
}

/** `key: value` for an annotation line. */
export function yamlPair(key: string, value: string): string {
  return `${yamlScalar(key)}: ${yamlScalar(value)}`;
}
