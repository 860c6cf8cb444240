/**
 * fleet.probe.json, next to fleet.yaml: the last `fleet probe --save` report of each machine. Committed with
 * fleet.yaml, it lets `plan` budget a machine with its measured Metal working set instead of macOS's default rule,
 * on any machine (CI included), and says so in the budget line.
 */
import { existsSync, readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import type { Machine } from '../config/types.ts'
import { PROBE_VERSION, type ProbeFile } from './report.ts'

export const PROBE_FILE = 'fleet.probe.json'

export function probePathFor(fleetPath: string): string {
  return join(dirname(fleetPath), PROBE_FILE)
}

/** The file's reports, or null when there is none (or it is not a version fleet reads). */
export function readProbeFile(path: string): ProbeFile | null {
  if (!existsSync(path)) return null
  try {
    const value = JSON.parse(readFileSync(path, 'utf8')) as ProbeFile
    return value.version === PROBE_VERSION && typeof value.machines === 'object' && value.machines !== null ? value : null
  } catch {
    return null
  }
}

/**
 * The recorded Metal working set of each machine, when the report is of that machine as declared (same RAM, within
 * a GiB): a probe of other hardware under the same name is not used.
 */
export function recordedWorkingSets(file: ProbeFile | null, machines: readonly Machine[]): Map<string, { bytes: number; by: string }> {
  const out = new Map<string, { bytes: number; by: string }>()
  for (const m of machines) {
    const r = file?.machines[m.name]
    if (!r?.workingSetBytes || !r.memoryBytes || Math.abs(r.memoryBytes.value - m.memoryBytes) >= 2 ** 30) continue
    out.set(m.name, { bytes: r.workingSetBytes.value, by: `measured by fleet probe ${r.measuredAt.slice(0, 10)}, ${PROBE_FILE}` })
  }
  return out
}
