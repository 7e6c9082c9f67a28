import { writeFileSync } from 'node:fs';

/**
 * Preloaded into a harness process (`node --import <this, compiled> cli.js …`): when it exits, however it exits, its
 * peak resident set size in bytes is written to the file `IPN_PEAK_RSS_FILE` names, so a test can bound the memory a
 * whole `ipn-gauntlet` run took, apart from the test's own process.
 */
const file = process.env.IPN_PEAK_RSS_FILE;
if (file !== undefined && file !== '') {
  process.on('exit', () => {
    // maxRSS is in kilobytes.
    writeFileSync(file, String(process.resourceUsage().maxRSS * 1024));
  });
}
