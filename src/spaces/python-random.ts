/**
 * CPython's `random` module (MT19937), exactly: `random.seed(int)`, `getrandbits`, `_randbelow` and `shuffle` give
 * the same results as Python 3.2+ for the same seed. Needed to rebuild the official NAS-Bench-201 index, which is the
 * list of all cells shuffled with `random.seed(88)` (NAS-Bench-201's `generate_meta_info`).
 */
import { EdgelatError } from "../errors.js";

const N = 624;
const M = 397;

export interface PythonRandom {
  /** `random.getrandbits(k)` for 1 ≤ k ≤ 32. */
  getrandbits(k: number): number;
  /** `random._randbelow(n)` (rejection sampling on getrandbits), 1 ≤ n < 2^32. */
  randbelow(n: number): number;
  /** `random.shuffle(items)`, in place. */
  shuffle<T>(items: T[]): void;
}

/** `random.Random(seed)` for a non-negative integer seed below 2^32. */
export function pythonRandom(seed: number): PythonRandom {
  if (!Number.isInteger(seed) || seed < 0 || seed >= 2 ** 32) {
    throw new EdgelatError("invalid_argument", `pythonRandom needs an integer seed in [0, 2^32), got ${seed}`);
  }
  const mt = new Uint32Array(N);
  // init_genrand(19650218)
  mt[0] = 19650218;
  for (let i = 1; i < N; i++) {
    const p = mt[i - 1]! ^ (mt[i - 1]! >>> 30);
    mt[i] = (Math.imul(p, 1812433253) + i) >>> 0;
  }
  // init_by_array([seed]) — CPython splits the absolute value of an int seed into 32-bit words.
  const key = [seed >>> 0];
  let i = 1;
  let j = 0;
  for (let k = Math.max(N, key.length); k > 0; k--) {
    const p = mt[i - 1]! ^ (mt[i - 1]! >>> 30);
    mt[i] = ((mt[i]! ^ Math.imul(p, 1664525)) + key[j]! + j) >>> 0;
    i++;
    j++;
    if (i >= N) { mt[0] = mt[N - 1]!; i = 1; }
    if (j >= key.length) j = 0;
  }
  for (let k = N - 1; k > 0; k--) {
    const p = mt[i - 1]! ^ (mt[i - 1]! >>> 30);
    mt[i] = ((mt[i]! ^ Math.imul(p, 1566083941)) - i) >>> 0;
    i++;
    if (i >= N) { mt[0] = mt[N - 1]!; i = 1; }
  }
  mt[0] = 0x80000000;

  let mti = N;
  const nextU32 = (): number => {
    if (mti >= N) {
      for (let kk = 0; kk < N; kk++) {
        const y = (mt[kk]! & 0x80000000) | (mt[(kk + 1) % N]! & 0x7fffffff);
        mt[kk] = (mt[(kk + M) % N]! ^ (y >>> 1) ^ (y & 1 ? 0x9908b0df : 0)) >>> 0;
      }
      mti = 0;
    }
    let y = mt[mti++]!;
    y ^= y >>> 11;
    y ^= (y << 7) & 0x9d2c5680;
    y ^= (y << 15) & 0xefc60000;
    y ^= y >>> 18;
    return y >>> 0;
  };
  const getrandbits = (k: number): number => {
    if (!Number.isInteger(k) || k < 1 || k > 32) throw new EdgelatError("invalid_argument", `getrandbits(k) needs 1 ≤ k ≤ 32, got ${k}`);
    return nextU32() >>> (32 - k);
  };
  const randbelow = (n: number): number => {
    if (!Number.isInteger(n) || n < 1 || n >= 2 ** 32) throw new EdgelatError("invalid_argument", `randbelow(n) needs 1 ≤ n < 2^32, got ${n}`);
    const k = Math.floor(Math.log2(n)) + 1; // n.bit_length()
    let r = getrandbits(k);
    while (r >= n) r = getrandbits(k);
    return r;
  };
  return {
    getrandbits,
    randbelow,
    shuffle<T>(items: T[]): void {
      for (let a = items.length - 1; a > 0; a--) {
        const b = randbelow(a + 1);
        const t = items[a]!;
        items[a] = items[b]!;
        items[b] = t;
      }
    },
  };
}
