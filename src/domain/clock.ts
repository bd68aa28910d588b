/** Wall-clock time in milliseconds since the epoch; injected so tests can fix it. */
export type Clock = () => number;

export const systemClock: Clock = () => Date.now();
