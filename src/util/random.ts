/**
 * Seeded pseudo-random numbers with a state that can be saved and restored,
 * so a run (and a resumed run) draws the same points on every machine.
 * Generator: sfc32 (Chris Doty-Humphrey's small fast chaotic PRNG, 128-bit state),
 * seeded through splitmix32 so nearby seeds give unrelated streams.
 */

export interface Rng {
  /** Uniform number in [0, 1), 32 random bits. */
  next(): number;
  /** The four 32-bit state words, for checkpoints. */
  getState(): number[];
  /** Restores a state returned by getState. */
  setState(state: readonly number[]): void;
}

const TWO_POW_32 = 4294967296;

/** splitmix32 step: turns a counter into a well-mixed 32-bit word. */
function splitmix32(x: number): number {
  let z = (x + 0x9e3779b9) >>> 0;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
  return (z ^ (z >>> 16)) >>> 0;
}

/** Seed words from any finite number (integer part, both 32-bit halves used). */
function seedWords(seed: number): number[] {
  if (!Number.isFinite(seed)) throw new Error(`random seed must be a finite number, got ${seed}`);
  const integer = Math.trunc(seed);
  const low = integer >>> 0;
  const high = Math.floor(integer / TWO_POW_32) >>> 0;
  const words: number[] = [];
  let counter = splitmix32(low ^ splitmix32(high));
  for (let i = 0; i < 4; i++) {
    counter = (counter + 0x9e3779b9) >>> 0;
    words.push(splitmix32(counter));
  }
  return words;
}

export function createRng(seed: number): Rng {
  let [a, b, c, d] = seedWords(seed) as [number, number, number, number];

  const nextWord = (): number => {
    const t = (((a + b) >>> 0) + d) >>> 0;
    d = (d + 1) >>> 0;
    a = (b ^ (b >>> 9)) >>> 0;
    b = (c + (c << 3)) >>> 0;
    c = ((c << 21) | (c >>> 11)) >>> 0;
    c = (c + t) >>> 0;
    return t;
  };
  // Discard the first outputs: sfc32 mixes its seed during its first few steps.
  for (let i = 0; i < 12; i++) nextWord();

  return {
    next: () => nextWord() / TWO_POW_32,
    getState: () => [a, b, c, d],
    setState: (state) => {
      if (state.length !== 4 || state.some((w) => !Number.isInteger(w) || w < 0 || w >= TWO_POW_32)) {
        throw new Error('random state must be four 32-bit unsigned integers');
      }
      [a, b, c, d] = state as [number, number, number, number];
    },
  };
}
