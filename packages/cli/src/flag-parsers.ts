/**
 * Commander argument parsers for the run commands' flags: a bad value is commander's usage error
 * (exit 2) naming the flag, before anything is sent to the daemon.
 */
import { InvalidArgumentError } from "@commander-js/extra-typings";
import type { InputArg } from "@mvm/runtime/client";

/** `--timeout 2.5` → 2500 (ms). */
export function secondsToMs(value: string): number {
  const seconds = Number(value);
  if (!/^\d*\.?\d+$/.test(value) || !Number.isFinite(seconds) || seconds <= 0) {
    throw new InvalidArgumentError(`expected a positive number of seconds, got ${JSON.stringify(value)}`);
  }
  return Math.max(1, Math.round(seconds * 1000));
}

export function nonNegativeInt(value: string): number {
  if (!/^\d+$/.test(value)) throw new InvalidArgumentError(`expected a whole number, got ${JSON.stringify(value)}`);
  return Number(value);
}

/** One invoke input as the daemon takes it. */
export type InputFlag = InputArg;

function splitPair(value: string, form: string): [string, string] {
  const eq = value.indexOf("=");
  if (eq <= 0) throw new InvalidArgumentError(`expected ${form}, got ${JSON.stringify(value)}`);
  return [value.slice(0, eq), value.slice(eq + 1)];
}

/** Collects `--input k=v` (repeatable) as text to be coerced by the parameter's declared type. */
export function collectInput(value: string, previous: InputFlag[]): InputFlag[] {
  const [name, text] = splitPair(value, "NAME=VALUE");
  return [...previous, { name, text }];
}

/** Collects `--input-json k=JSON` (repeatable): the value is exact JSON. */
export function collectInputJson(value: string, previous: InputFlag[]): InputFlag[] {
  const [name, text] = splitPair(value, "NAME=JSON");
  try {
    return [...previous, { name, json: JSON.parse(text) as unknown }];
  } catch (err) {
    throw new InvalidArgumentError(`the value of ${name} is not JSON (${(err as Error).message})`);
  }
}
