/**
 * Steal time: the share of a core's time the hypervisor gave to other guests while this virtual
 * machine wanted to run (`/proc/stat`, 8th column). On a shared host it comes in bursts of
 * milliseconds, each one a stall for whatever runs on that core, so the benchmark prints it
 * beside every latency figure. Null where `/proc/stat` does not exist (not Linux).
 */
import { readFileSync } from 'node:fs';

type CoreTimes = Map<string, number[]>;

export function coreTimes(): CoreTimes | null {
  let text: string;
  try {
    text = readFileSync('/proc/stat', 'utf8');
  } catch {
    return null;
  }
  const times: CoreTimes = new Map();
  for (const line of text.split('\n')) {
    const [name, ...fields] = line.trim().split(/\s+/);
    if (name && /^cpu\d+$/.test(name)) times.set(name, fields.map(Number));
  }
  return times;
}

/** Percent of `core`'s time stolen between two readings; null when unknown. */
export function stealPercent(before: CoreTimes | null, after: CoreTimes | null, core: number): number | null {
  const a = before?.get(`cpu${core}`);
  const b = after?.get(`cpu${core}`);
  if (!a || !b || a.length < 8) return null;
  const delta = b.map((v, i) => v - (a[i] ?? 0));
  const total = delta.slice(0, 8).reduce((s, v) => s + v, 0);
  return total > 0 ? (100 * delta[7]!) / total : null;
}
