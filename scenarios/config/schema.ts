import { z } from 'zod';
import { IpnError } from '../../contracts/errors.js';
import { GuaranteeIdSchema } from '../../contracts/guarantees.js';
import { ReceiverProfileSchema } from '../../contracts/profile.js';
import { providerIds } from '../../contracts/providers/index.js';
import { parseThreshold } from '../load/threshold.js';
import { SqlProbeSettingsSchema, sqlProbeKeys } from '../probes/sql-config.js';

/**
 * `ipn-gauntlet.config.{json,mjs,js,ts}`: what `ipn-gauntlet run` would otherwise take as flags. Every key is optional
 * here; a flag overrides the key, and the run still needs target, probe, provider and secret from one or the other.
 * Secrets: prefer `secretEnv` (the name of an environment variable) over a secret written in the file.
 */
const isHttpUrl = (value: string) => {
  try {
    const { protocol } = new URL(value);
    return protocol === 'http:' || protocol === 'https:';
  } catch {
    return false;
  }
};

const HttpUrlSchema = z
  .string({ error: 'expected an http:// or https:// URL as a string' })
  .refine(isHttpUrl, { error: 'expected an http:// or https:// URL' });

const FileSchema = z.string({ error: 'expected a file path as a string' }).min(1, { error: 'expected a file path' });

export const ProviderSettingsSchema = z
  .strictObject(
    {
      /** The endpoint secret your receiver verifies with, exactly as the gateway shows it. */
      secret: z.string({ error: 'expected a string (the endpoint secret)' }).min(1, { error: 'expected a secret' }),
      /** The name of the environment variable that holds the secret (keeps it out of the file). */
      secretEnv: z
        .string({ error: 'expected the name of an environment variable as a string' })
        .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, { error: 'expected the name of an environment variable' }),
    },
    { error: 'expected an object such as { secretEnv: "STRIPE_WEBHOOK_SECRET" }' },
  )
  .partial();

const reportKeys = { json: FileSchema, junit: FileSchema, html: FileSchema };

const configShape = {
  /** Your receiver's webhook URL; several for instances behind one database. */
  target: z.union([HttpUrlSchema, z.array(HttpUrlSchema).min(1)], {
    error: 'expected an http:// or https:// URL, or a list of them',
  }),
  /**
   * How the gauntlet reads your receiver's state: the base URL of its HTTP probe (…/ipn-probe), SQL on its own
   * database (`{ sql: { url, create, read, pending?, statuses? } }`), or a module of functions
   * (`{ module: './probe.mjs' }`, relative to this file). README, "Probes without server code".
   */
  probe: z.union(
    [
      HttpUrlSchema,
      z.strictObject({ sql: SqlProbeSettingsSchema }, { error: 'expected { sql: { url, create, read } }' }),
      z.strictObject({ module: FileSchema }, { error: 'expected { module: "./probe.mjs" }' }),
    ],
    { error: 'expected an http:// or https:// URL, { sql: { url, create, read } } or { module: "./probe.mjs" }' },
  ),
  /** The provider to run; may be left out when `providers` names exactly one. */
  provider: z.enum(providerIds, { error: `expected one of ${providerIds.join(', ')}` }),
  /** Per provider id: the endpoint secret, or where to read it. */
  providers: z.record(
    z.string().refine((id) => (providerIds as readonly string[]).includes(id), {
      error: `unknown provider; expected one of ${providerIds.join(', ')}`,
    }),
    ProviderSettingsSchema,
    {
      error: 'expected an object keyed by provider id, such as { stripe: { secretEnv: "STRIPE_WEBHOOK_SECRET" } }',
    },
  ),
  seed: z
    .number({ error: 'expected a whole number' })
    .int({ error: 'expected a whole number' })
    .min(0, { error: `expected a whole number from 0 to ${2 ** 31 - 1}` })
    .max(2 ** 31 - 1, { error: `expected a whole number from 0 to ${2 ** 31 - 1}` }),
  /** Guarantee ids to run (default: every applicable one). */
  only: z.array(
    z.enum(GuaranteeIdSchema.options, { error: 'expected a guarantee id (see `ipn-gauntlet guarantees`)' }),
    { error: 'expected a list of guarantee ids' },
  ),
  runId: z
    .string({ error: 'expected a string' })
    .regex(/^[a-z0-9]{1,12}$/, { error: 'expected 1 to 12 lower-case letters or digits' }),
  reports: z.strictObject(reportKeys, { error: 'expected an object such as { junit: "report.xml" }' }).partial(),
  /**
   * What your receiver handles (contracts/profile.ts): `{ facts, families, orderRef, orderIds, currencies, statuses }`;
   * the gauntlet sends and judges only that. Flags (--facts, --families…) override its keys.
   */
  profile: ReceiverProfileSchema,
  /** The URL your endpoint is registered under at the gateway, for schemes that sign it (Square). */
  notificationUrl: HttpUrlSchema,
  /** Postback providers: the port of the fake gateway the run starts (0: a free port). */
  gatewayPort: z
    .number({ error: 'expected a port number' })
    .int({ error: 'expected a whole number from 0 to 65535' })
    .min(0, { error: 'expected a whole number from 0 to 65535' })
    .max(65_535, { error: 'expected a whole number from 0 to 65535' }),
  /** `load` only: thresholds such as 'p99<200ms' or 'lost==0' (README, "Thresholds"), beside any --threshold flags. */
  thresholds: z.array(
    z.string({ error: "expected a threshold as a string, such as 'p99<200ms'" }).superRefine((value, ctx) => {
      try {
        parseThreshold(value);
      } catch (error) {
        ctx.addIssue({
          code: 'custom',
          message: error instanceof IpnError ? `${error.message} ${error.hint.replace(/\.$/, '')}` : String(error),
        });
      }
    }),
    { error: "expected a list of thresholds, such as ['p99<200ms', 'lost==0']" },
  ),
};

export const ConfigSchema = z
  .strictObject(configShape, { error: 'expected an object (the default export of the config file)' })
  .partial();

export type GauntletConfig = z.infer<typeof ConfigSchema>;

/** The keys each object of the config takes, for "unknown key" messages. */
export function knownKeys(path: readonly PropertyKey[]): readonly string[] {
  if (path.length === 0) return Object.keys(configShape);
  if (path.length === 1 && path[0] === 'reports') return Object.keys(reportKeys);
  if (path.length === 2 && path[0] === 'providers') return ['secret', 'secretEnv'];
  if (path.length === 1 && path[0] === 'probe') return ['sql', 'module'];
  if (path.length === 1 && path[0] === 'profile') return Object.keys(ReceiverProfileSchema.shape);
  if (path.length === 2 && path[0] === 'probe' && path[1] === 'sql') return sqlProbeKeys;
  return [];
}

/**
 * Types a config file's default export; returns it unchanged.
 *
 *   // ipn-gauntlet.config.mjs
 *   import { defineConfig } from 'ipn-gauntlet';
 *   export default defineConfig({ target: 'http://127.0.0.1:3000/webhooks/stripe', probe: '…/ipn-probe',
 *     providers: { stripe: { secretEnv: 'STRIPE_WEBHOOK_SECRET' } } });
 */
export function defineConfig(config: GauntletConfig): GauntletConfig {
  return config;
}
