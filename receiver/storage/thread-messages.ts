import { type ErrorCode, IpnError } from '../../contracts/errors.js';
import { isStorageUnavailable, StorageUnavailableError } from './storage-unavailable.js';

/** What the storage thread is started with (workerData). */
export interface StorageThreadData {
  readonly file: string;
  readonly lockWaitMs?: number;
  /**
   * The order projection, as a module the thread imports and the name of its export (a function does not cross
   * threads). Default: the reference lifecycle rule (order-projection.ts).
   */
  readonly projector?: { readonly url: string; readonly name: string };
}

/** A call from the receiver's thread: a storage method by name and its arguments (structured-clone data only). */
export interface StorageCall {
  readonly id: number;
  readonly method: string;
  readonly args: readonly unknown[];
}

/** An error as it crosses the thread boundary: enough to rebuild the class the receiver tells apart. */
export type CrossedError =
  | { readonly kind: 'unavailable'; readonly what: string; readonly detail: string }
  | { readonly kind: 'ipn'; readonly code: string; readonly message: string; readonly hint: string }
  | { readonly kind: 'other'; readonly name: string; readonly message: string; readonly code?: string };

/** The storage thread's answer to a call (`id` 0: opened, or could not open). */
export type StorageAnswer =
  | { readonly id: number; readonly ok: true; readonly value: unknown }
  | { readonly id: number; readonly ok: false; readonly error: CrossedError };

export function crossError(error: unknown): CrossedError {
  if (isStorageUnavailable(error)) return { kind: 'unavailable', what: error.what, detail: error.detail };
  if (error instanceof IpnError) return { kind: 'ipn', code: error.code, message: error.message, hint: error.hint };
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return { kind: 'other', name: error.name, message: error.message, ...(typeof code === 'string' ? { code } : {}) };
  }
  return { kind: 'other', name: 'Error', message: String(error) };
}

/** The error again, on the receiver's side: a StorageUnavailableError stays one (a 503), an IpnError keeps its code. */
export function uncrossError(crossed: CrossedError): Error {
  switch (crossed.kind) {
    case 'unavailable':
      return new StorageUnavailableError(crossed.what, new Error(crossed.detail));
    case 'ipn':
      return new IpnError(crossed.code as ErrorCode, crossed.message, { hint: crossed.hint });
    case 'other': {
      const error = new Error(crossed.message);
      error.name = crossed.name;
      return crossed.code === undefined ? error : Object.assign(error, { code: crossed.code });
    }
  }
}
