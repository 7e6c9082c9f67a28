/**
 * Writes JSON in a chosen style: indentation, line ends, spacing around `:` and `,`, and which characters of strings
 * are written as `\uXXXX` escapes. Every style parses back (`JSON.parse`) to the same value; only the bytes differ.
 */
export interface JsonStyle {
  /** The indentation of one level; null writes everything on one line. */
  readonly indent: string | null;
  readonly newline: '\n' | '\r\n';
  /** Between a key and its value. */
  readonly colon: ':' | ': ' | ' : ';
  /** Between items on one line (compact styles only). */
  readonly comma: ',' | ', ';
  /** Appended after the closing bracket ("" or a line end). */
  readonly trailing: string;
  /** Whether a UTF-16 code unit of a string is written as `\uXXXX` (besides the escapes JSON requires). */
  readonly escape?: (codeUnit: number, position: number) => boolean;
}

/** `JSON.stringify(value)`. */
export const compact: JsonStyle = { indent: null, newline: '\n', colon: ':', comma: ',', trailing: '' };

/** The style a body is written in, as far as `writeJson` can reproduce it (compact, or indented with `": "`). */
export function styleOf(text: string): JsonStyle {
  if (!text.includes('\n')) return compact;
  const indent = /\n([ \t]+)"/.exec(text)?.[1] ?? '  ';
  const newline = text.includes('\r\n') ? '\r\n' : '\n';
  return { indent, newline, colon: ': ', comma: ',', trailing: /\r?\n$/.test(text) ? newline : '' };
}

export function writeJson(value: unknown, style: JsonStyle): string {
  let position = 0;
  const text = (s: string): string => {
    let out = '"';
    for (let i = 0; i < s.length; i += 1) {
      const code = s.charCodeAt(i);
      position += 1;
      if (code === 0x22) out += '\\"';
      else if (code === 0x5c) out += '\\\\';
      else if (code < 0x20 || style.escape?.(code, position)) out += unicodeEscape(code);
      else out += s[i];
    }
    return `${out}"`;
  };
  const write = (node: unknown, depth: number): string => {
    if (node === null || typeof node !== 'object') {
      return typeof node === 'string' ? text(node) : String(JSON.stringify(node));
    }
    const entries = Array.isArray(node)
      ? node.map((item) => write(item, depth + 1))
      : Object.entries(node).map(([key, child]) => `${text(key)}${style.colon}${write(child, depth + 1)}`);
    const [open, close] = Array.isArray(node) ? ['[', ']'] : ['{', '}'];
    if (entries.length === 0) return `${open}${close}`;
    if (style.indent === null) return `${open}${entries.join(style.comma)}${close}`;
    const inner = style.newline + style.indent.repeat(depth + 1);
    const outer = style.newline + style.indent.repeat(depth);
    return `${open}${inner}${entries.join(`,${inner}`)}${outer}${close}`;
  };
  return write(value, 0) + style.trailing;
}

function unicodeEscape(code: number): string {
  return `\\u${code.toString(16).padStart(4, '0')}`;
}
