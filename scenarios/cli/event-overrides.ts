import { didYouMean } from '../../contracts/did-you-mean.js';
import { IpnError } from '../../contracts/errors.js';

/**
 * `--set path=value` on an event before it is encoded and signed: a dot path into the event (`data.object.amount`,
 * `items.0.price`), and the value in the type of the field it replaces (a number stays a number, `true`/`false` a
 * boolean, a string stays a string). A new field takes JSON when the value parses as JSON, else the text. Every part
 * of the path but the last must exist, so a typo is an error that names the keys there, not a field added beside.
 */
export function applyOverrides<Event>(event: Event, overrides: readonly string[]): Event {
  const copy = structuredClone(event);
  for (const override of overrides) setPath(copy, override);
  return copy;
}

function setPath(root: unknown, override: string): void {
  const at = override.indexOf('=');
  if (at <= 0) usage(override, 'it is not path=value');
  const path = override.slice(0, at).split('.');
  const text = override.slice(at + 1);
  if (path.some((key) => key === '')) usage(override, 'the path has an empty part');
  let container = root;
  for (const [i, key] of path.entries()) {
    if (typeof container !== 'object' || container === null) {
      usage(override, `${path.slice(0, i).join('.')} is ${JSON.stringify(container)}, not an object`);
    }
    const record = container as Record<string, unknown>;
    const last = i === path.length - 1;
    if (!last && !Object.hasOwn(record, key)) {
      const keys = Object.keys(record);
      const where = i === 0 ? 'the event' : path.slice(0, i).join('.');
      usage(override, `${where} has no "${key}".${didYouMean(key, keys)} Its keys: ${keys.join(', ')}`);
    }
    if (last) record[key] = valueFor(text, record[key], override);
    else container = record[key];
  }
}

function valueFor(text: string, current: unknown, override: string): unknown {
  if (typeof current === 'string') return text;
  if (typeof current === 'number') {
    const number = Number(text);
    if (text.trim() === '' || !Number.isFinite(number)) usage(override, `the field is a number, "${text}" is not`);
    return number;
  }
  if (typeof current === 'boolean') {
    if (text !== 'true' && text !== 'false') usage(override, `the field is true or false, not "${text}"`);
    return text === 'true';
  }
  try {
    return JSON.parse(text);
  } catch {
    if (typeof current === 'object' && current !== null) usage(override, 'the field is an object: give it as JSON');
    return text;
  }
}

function usage(override: string, problem: string): never {
  throw new IpnError('IPN_ERR_USAGE', `--set ${override}: ${problem}.`, {
    hint: 'Give --set a dot path into the event and a value, e.g. --set data.object.amount=500.',
  });
}
