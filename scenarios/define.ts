import type { Clock } from '../contracts/clock.js';
import type { GuaranteeId } from '../contracts/guarantees.js';
import type { Provider } from '../contracts/provider.js';
import type { GatewayEvent } from '../simulator/events.js';
import type { GatewayMonitor } from '../simulator/gateway/monitor.js';
import type { Attempt } from '../simulator/history.js';
import type { Delivery, PlanStep, SigningContext } from '../simulator/plan.js';
import type { Random } from '../simulator/random.js';
import type { World, WorldOrder } from '../simulator/world.js';
import type { Burst } from './burst.js';
import type { ScenarioRecord } from './record/run-record.js';
import type { Finding } from './verdict.js';

/**
 * A scenario is data: the orders it creates and the phases it delivers. After each phase the runner waits for the
 * receiver to settle and compares every order, through the probe, with the lifecycle rule applied to the events a
 * correct receiver has applied so far; every delivery's answer is compared with what it expects (accept / reject).
 */
export interface ScenarioPhase {
  /** What this phase does, for the report ("forgeries", "genuine deliveries"). */
  readonly name: string;
  readonly steps: readonly PlanStep[];
  /**
   * The events a correct receiver applies in this phase (their facts make the expected state). In a burst phase, the
   * burst's events the receiver acknowledged are added to these.
   */
  readonly applied: readonly GatewayEvent[];
  /** Instead of steps: a burst under SIGKILLs (needs a receiver process the gauntlet controls). */
  readonly burst?: Burst;
  /**
   * Requests the scenario decides as it goes, before the phase's steps (X's CRC challenge and the POST under its
   * answer; certificate forgeries with an attacker's server to count): they go through the run's deliverer, so they are
   * in the history, the evidence and the timeline like any delivery. What it returns is kept as the phase's
   * observations, for the scenario's `judge`.
   */
  readonly drive?: (io: PhaseIo) => Promise<unknown>;
}

/** What a phase's `drive` may do: deliver through the run's deliverer (recorded), knowing the webhook URL. */
export interface PhaseIo {
  readonly target: string;
  readonly clock: Clock;
  readonly sleep: (ms: number) => Promise<void>;
  /** The run's fake gateway (the calls receivers made to its API, the outages it plays); absent when none runs. */
  readonly gateway?: GatewayMonitor;
  /**
   * The probe's `POST /reconcile?provider=ID` (recorded among the probe calls); absent for probes that cannot ask for
   * one.
   */
  readonly reconcile?: (provider: string) => Promise<{ readonly status: number; readonly text: string }>;
  /** Sends one delivery now (signed as it leaves) and answers its recorded attempt. */
  deliver(delivery: Delivery): Promise<Attempt>;
}

export interface ScenarioPlan {
  readonly orders: readonly WorldOrder[];
  readonly phases: readonly ScenarioPhase[];
}

export interface ScenarioContext {
  readonly provider: Provider;
  readonly world: World;
  readonly signing: SigningContext;
  readonly random: Random;
  readonly chaos: ChaosSettings;
  /** The currencies the receiver sells in (its profile's); absent: any. */
  readonly currencies?: readonly string[];
}

/** The size of crash scenarios (`consistency.no-loss`): how many events in the burst, how many SIGKILLs. */
export interface ChaosSettings {
  readonly burstEvents: number;
  readonly kills: number;
}

export const defaultChaos: ChaosSettings = { burstEvents: 5_000, kills: 20 };

export interface Scenario {
  readonly guarantee: GuaranteeId;
  /** What a failure of this scenario usually means in a receiver's code, and where to look. */
  readonly diagnosis: string;
  /**
   * How its orders are judged. `twin` (the default): each order that gets genuine events has a twin — the same
   * events delivered plainly once, in order — and is judged only when its twin shows what the rule says (the variant
   * is then compared with the rule, and the twin's values shown beside). `rule`: against the rule, where the baseline
   * of the order's facts held (consistency.amount, whose orders are the rule's own test; bursts).
   */
  readonly judgement?: 'twin' | 'rule';
  /**
   * Guarantees whose failure shows here too (duplicates applied twice, forgeries accepted): when one of them failed in
   * this run, this scenario reports only what is its own (crashes, refusals) and is otherwise not judged.
   */
  readonly dependsOn?: readonly GuaranteeId[];
  /** Whether the scenario means anything for this provider (replay windows need a signed timestamp). */
  appliesTo(provider: Provider): boolean;
  /** Whether the scenario kills and restarts the receiver, so it runs only when the gauntlet started it. */
  readonly needsReceiverProcess?: boolean;
  /**
   * Whether the scenario needs the run's fake gateway serving the provider's event list (reconciliation): it runs only
   * when the run started one (`--gateway-port`, or a `gatewayMonitor` given to the API).
   */
  readonly needsGateway?: boolean;
  plan(ctx: ScenarioContext): ScenarioPlan;
  /**
   * The scenario's own check beside the generic ones (answers, health, state), a pure function of its record: what a
   * phase's `drive` observed, judged (X's CRC answer, the attacker's server contacted).
   */
  judge?(record: ScenarioRecord): Finding[];
  /** What the scenario saw, in words, for a pass's summary (reconciliation: who recovered what). */
  recap?(record: ScenarioRecord): string | null;
}

export function defineScenario(scenario: Scenario): Scenario {
  return scenario;
}

/**
 * Whether a scenario runs for a provider in a run that has (or lacks) a receiver process the gauntlet starts
 * (`--receiver-cmd`) and a fake gateway serving the provider's event list (`--gateway-port`).
 */
export function runsIn(
  scenario: Scenario,
  provider: Provider,
  run: { readonly withProcess?: boolean; readonly withGateway?: boolean } = {},
): boolean {
  return (
    scenario.appliesTo(provider) &&
    (run.withProcess === true || scenario.needsReceiverProcess !== true) &&
    (run.withGateway === true || scenario.needsGateway !== true)
  );
}

/** Every scenario applies to every provider unless it says otherwise. */
export const everyProvider = (): boolean => true;
