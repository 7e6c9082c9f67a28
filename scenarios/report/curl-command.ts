import type { WireRequest } from '../../contracts/wire.js';

/**
 * A curl command that sends exactly this request: every header, and the body byte for byte as a bash/zsh `$'…'`
 * string (printable ASCII as it is, `\n`, `\r`, `\t`, every other byte as `\xHH`), so nothing is re-encoded on the way (`--data-binary` makes it a POST, as every delivery is). curl adds only
 * `Host`, `Content-Length` and `Accept` (which no signature covers) besides the headers given.
 */
export function curlCommand(url: string, request: WireRequest): string {
  // `-H 'name:'` would remove a header; curl sends one with an empty value as `-H 'name;'`.
  const headers = Object.entries(request.headers).map(
    ([name, value]) => `  -H ${singleQuoted(value === '' ? `${name};` : `${name}: ${value}`)}`,
  );
  return [`curl -sS ${singleQuoted(url)}`, ...headers, `  --data-binary ${ansiC(request.body)}`].join(' \\\n');
}

/** Text in single quotes, a single quote in it closed, escaped and reopened. */
function singleQuoted(text: string): string {
  return `'${text.replaceAll("'", `'\\''`)}'`;
}

/** Bytes as an ANSI-C quoted string, `$'…'`. */
function ansiC(bytes: Uint8Array): string {
  let out = '';
  for (const byte of bytes) {
    if (byte === 0x5c) out += '\\\\';
    else if (byte === 0x27) out += "\\'";
    else if (byte === 0x0a) out += '\\n';
    else if (byte === 0x0d) out += '\\r';
    else if (byte === 0x09) out += '\\t';
    else if (byte >= 0x20 && byte < 0x7f) out += String.fromCharCode(byte);
    else out += `\\x${byte.toString(16).padStart(2, '0')}`;
  }
  return `$'${out}'`;
}
