import { didYouMean } from '../../contracts/did-you-mean.js';
import { IpnError } from '../../contracts/errors.js';
import type { GithubReportOptions } from '../report/github.js';

const reporters = ['github'] as const;

/**
 * `--reporter github`: the GitHub reporter's options (its annotations point at `file`, the config file the run read,
 * when there is one), or undefined without the flag.
 */
export function parseReporter(value: string | undefined, file: string | undefined): GithubReportOptions | undefined {
  if (value === undefined) return undefined;
  if (!(reporters as readonly string[]).includes(value)) {
    throw new IpnError(
      'IPN_ERR_USAGE',
      `--reporter ${value} is not a reporter; there is: ${reporters.join(', ')}.${didYouMean(value, reporters)}`,
    );
  }
  return file === undefined ? {} : { file };
}
