import type { GuaranteeId } from '../contracts/guarantees.js';
import type { Provider } from '../contracts/provider.js';
import type { GatewayEvent } from '../simulator/events.js';
import type { PlanStep, SigningContext } from '../simulator/plan.js';
import type { Random } from '../simulator/random.js';
import type { World, WorldOrder } from '../simulator/world.js';

/**
 * A scenario is data: the orders it creates and the phases it delivers. After each phase the runner waits for the
 * receiver to settle and compares every order, through the probe, with the lifecycle rule applied to the events a
 * correct receiver has applied so far; every delivery's answer is compared with what it expects (accept / reject).
 */
export interface ScenarioPhase {
  /** What this phase does, for the report ("forgeries", "genuine deliveries"). */
  readonly name: string;
  readonly steps: readonly PlanStep[];
  /** The events a correct receiver applies in this phase (their facts make the expected state). */
  readonly applied: readonly GatewayEvent[];
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
}

export interface Scenario {
  readonly guarantee: GuaranteeId;
  /** What a failure of this scenario usually means in a receiver's code, and where to look. */
  readonly diagnosis: string;
  /** Whether the scenario means anything for this provider (replay windows need a signed timestamp). */
  appliesTo(provider: Provider): boolean;
  plan(ctx: ScenarioContext): ScenarioPlan;
}

export function defineScenario(scenario: Scenario): Scenario {
  return scenario;
}

/** Every scenario applies to every provider unless it says otherwise. */
export const everyProvider = (): boolean => true;
