/** Time is injected: logic takes a Clock, only the program's edge passes `systemClock`. Milliseconds since the epoch. */
export type Clock = () => number;

export const systemClock: Clock = () => Date.now();

/** A clock that stands still until moved; for tests and replays. */
export function manualClock(startMs: number): Clock & { advance(ms: number): void; set(ms: number): void } {
  let now = startMs;
  const clock = () => now;
  clock.advance = (ms: number) => {
    now += ms;
  };
  clock.set = (ms: number) => {
    now = ms;
  };
  return clock;
}

export function unixSeconds(clock: Clock): number {
  return Math.floor(clock() / 1000);
}
