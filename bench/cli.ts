// The ipn-gauntlet CLI from the benchmark build, so `npm run bench` needs no separate `npm run build`.
import { start } from '../scenarios/cli/process-main.js';

await start();
