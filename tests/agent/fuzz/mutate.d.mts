/** Types of mutate.mjs (plain JS, so the hostile runner can import it with bare node). */
export interface Prng {
  next(): number;
  int(n: number): number;
  pick<T>(list: readonly T[]): T;
  bytes(n: number): Buffer;
}
export function prng(seed: number): Prng;
export function mutate(body: Buffer, r: Prng): Buffer;
export function frame(body: Buffer): Buffer;
