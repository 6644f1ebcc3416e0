/** Exhaustiveness of a switch over a union: the compiler rejects a call that a missing case could reach. */
export function assertNever(value: never, what: string): never {
  throw new Error(`unexpected ${what}: ${String(value)}`);
}
