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
  const figure = (f: unknown): number | null => {
    const value = typeof f === 'object' && f !== null ? (f as { value?: unknown }).value : undefined
    return typeof value === 'number' && Number.isFinite(value) && value > 0 ? value : null
  }
  for (const m of machines) {
    const r: unknown = file?.machines[m.name]
    if (typeof r !== 'object' || r === null) continue
    const report = r as Record<string, unknown>
    const workingSet = figure(report.workingSetBytes)
    const memory = figure(report.memoryBytes)
    // A file edited by hand or from another version: an entry without these figures is not used.
    if (workingSet === null || memory === null || Math.abs(memory - m.memoryBytes) >= 2 ** 30) continue
    // A working set raised by a wired limit set by hand (not fleet.yaml's gpuWiredLimit) does not survive a reboot.
    const wired = figure(report.wiredLimitMiB)
    if (wired !== null && m.gpuWiredLimitBytes === null) continue
    const when = typeof report.measuredAt === 'string' ? report.measuredAt.slice(0, 10) : 'undated'
    out.set(m.name, { bytes: workingSet, by: `measured by fleet probe ${when}, ${PROBE_FILE}` })
  }
  return out
}
