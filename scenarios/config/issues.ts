import type { z } from 'zod';
import { knownKeys } from './schema.js';

/** `providers.stripe.secret` for a zod path; `(the whole config)` for the root. */
export function keyPath(path: readonly PropertyKey[]): string {
  return path.length === 0 ? '(the whole config)' : path.map(String).join('.');
}

/** What a value is, never what it holds (a secret may be in it). */
function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'an object';
  return `a ${typeof value}`;
}

/**
 * One line per problem, each naming the key and what is expected:
 * `providers.stripe.secret: expected a string (the endpoint secret), got a number`.
 */
export function describeIssues(issues: readonly z.core.$ZodIssue[]): string[] {
  return issues.flatMap((issue) => {
    if (issue.code === 'invalid_union') {
      const branch = closestBranch(issue.errors);
      if (branch !== undefined) {
        return describeIssues(branch.map((inner) => ({ ...inner, path: [...issue.path, ...inner.path] })));
      }
    }
    if (issue.code === 'unrecognized_keys') {
      const known = knownKeys(issue.path);
      return issue.keys
        .map((key) => {
          const expected = known.length === 0 ? '' : `; expected one of ${known.join(', ')}`;
          return `${keyPath([...issue.path, key])}: unknown key${expected}`;
        })
        .join('\n');
    }
    if (issue.code === 'invalid_key') {
      return `${keyPath(issue.path)}: ${issue.issues[0]?.message ?? issue.message}`;
    }
    const got = issue.code === 'invalid_type' && 'input' in issue ? `, got ${kindOf(issue.input)}` : '';
    return `${keyPath(issue.path)}: ${issue.message}${got}`;
  });
}

/**
 * The alternative of a union the value was meant for: the one whose issues are not about the value's type (an object
 * given where a URL or an object is allowed is read as the object, and its wrong key named); else the first.
 */
function closestBranch(branches: readonly (readonly z.core.$ZodIssue[])[]): readonly z.core.$ZodIssue[] | undefined {
  const typed = branches.filter((issues) => !issues.some((i) => i.code === 'invalid_type' && i.path.length === 0));
  return typed.length === 1 ? typed[0] : typed.length === 0 ? branches[0] : undefined;
}
