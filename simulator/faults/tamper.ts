/**
 * Changes what a JSON body says while keeping its look: the first amount-like number goes up by 100 and the body is
 * re-encoded in the same style (pretty-printed bodies stay pretty-printed). The original signature no longer fits it.
 */
export function tamperJsonBody(body: Uint8Array): Uint8Array {
  const text = new TextDecoder().decode(body);
  const value: unknown = JSON.parse(text);
  let changed = false;
  const walk = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(walk);
    if (typeof node !== 'object' || node === null) return node;
    const out: Record<string, unknown> = {};
    for (const [key, child] of Object.entries(node)) {
      if (!changed && typeof child === 'number' && /amount/i.test(key)) {
        out[key] = child + 100;
        changed = true;
      } else out[key] = walk(child);
    }
    return out;
  };
  const tampered = walk(value);
  if (!changed) throw new Error('tamperJsonBody found no amount to change');
  const indent = /\n( +)"/.exec(text)?.[1]?.length ?? 0;
  return new TextEncoder().encode(JSON.stringify(tampered, null, indent || undefined));
}
