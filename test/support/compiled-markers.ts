/** Written in the compiled project's folder by test/support/compiled-project-setup.ts once tsc has emitted it. */
export const COMPILED_MARKER = '.compiled';
/** Written instead when tsc failed, with its output. */
export const FAILED_MARKER = '.compile-failed';
