// Links node_modules/ipn-gauntlet to this folder, as installing the package would. The examples that are projects of
// their own (examples/user-receiver has its own package.json) import ipn-gauntlet by name; Node's self-reference only
// works inside this package's own scope, so without the link their imports would not resolve in this repository.
import { lstatSync, readlinkSync, symlinkSync } from 'node:fs';

const link = new URL('../node_modules/ipn-gauntlet', import.meta.url);
let existing = null;
try {
  existing = lstatSync(link).isSymbolicLink() ? readlinkSync(link) : 'not a link';
} catch {}
if (existing === null) symlinkSync('..', link, 'dir');
else if (existing !== '..') {
  process.stderr.write(
    `node_modules/ipn-gauntlet exists and is not a link to this folder (${existing}); left alone.\n`,
  );
}
