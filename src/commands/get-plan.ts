/**
 * The glue every command that plans shares (conventions §1 getPlan): read what the planner needs — the one sizing
 * pass, this machine's desired services and the live observation, Metal's measured working set — and call the pure
 * planner. plan, apply and status all go through it, so they see the same plan.
 */
import { metalDeviceFacts } from '../native/mlx.ts'
import type { LocalRuntime } from '../observe/local.ts'
import { observeLocal } from '../observe/observe-local.ts'
import { assemblePlan, type RemoteMachinePlan } from '../plan/assemble.ts'
import { planLocal, type LocalPlan } from '../plan/local.ts'
import { probePathFor, readProbeFile, recordedWorkingSets } from '../probe/file.ts'
import { distributedSizings } from '../plan/placement.ts'
import { desiredServices, type DesiredService } from '../plan/desired.ts'
import type { PlanDocument } from '../plan/types.ts'
import { sizeFleet } from '../sizing/fleet.ts'
import type { CalibrationLookup } from '../sizing/speed.ts'
import { lookupIn } from '../bench/calibrate.ts'
import { calibrationPathFor, readCalibrationFile } from '../bench/file.ts'
import type { Prepared } from './prepare.ts'

export interface GotPlan {
  readonly document: PlanDocument
  /** This machine's desired services (empty when no machine is this one). */
  readonly desired: readonly DesiredService[]
}

/** `observe: false` plans without reading the live system (no changes, no observation): for status's planned figures. */
export async function getPlan(
  prepared: Prepared,
  runtime: LocalRuntime | null,
  options: { readonly now: Date; readonly observe?: boolean; readonly remote?: readonly RemoteMachinePlan[] },
): Promise<GotPlan> {
  const { fleet, resolved } = prepared
  const calibration = calibrationOf(prepared)
  const sizing = sizeFleet(fleet, resolved.facts, calibration)
  const { measuredWorkingSets, workingSetSources } = workingSets(prepared, runtime)
  let desired: DesiredService[] = []
  let localInputs = null
  if (runtime) {
    const distributed = distributedSizings({ fleet, facts: resolved.facts, sizing, measuredWorkingSets, workingSetSources, calibration, locate: prepared.where })
    const { services, ranks, problems } = desiredServices(fleet, resolved.facts, sizing, runtime.context, distributed)
    desired = services
    if (options.observe !== false) localInputs = { context: runtime.context, desired: services, ranks, problems, observation: await observeLocal(runtime, services, ranks) }
  }
  const document = assemblePlan({
    fleet,
    facts: resolved.facts,
    diagnostics: [...prepared.loaded.diagnostics, ...resolved.diagnostics],
    sizing,
    measuredWorkingSets,
    workingSetSources,
    calibration,
    local: localInputs,
    ...(options.remote === undefined ? {} : { remote: options.remote }),
    locate: prepared.where,
    now: options.now,
  })
  return { document, desired }
}

/** This machine's part of the plan alone, for `fleet agent` (the control point assembles the whole plan). */
export async function planThisMachine(prepared: Prepared, runtime: LocalRuntime): Promise<LocalPlan> {
  const calibration = calibrationOf(prepared)
  const sizing = sizeFleet(prepared.fleet, prepared.resolved.facts, calibration)
  const { measuredWorkingSets, workingSetSources } = workingSets(prepared, runtime)
  const distributed = distributedSizings({ fleet: prepared.fleet, facts: prepared.resolved.facts, sizing, measuredWorkingSets, workingSetSources, calibration, locate: prepared.where })
  const { services, ranks, problems } = desiredServices(prepared.fleet, prepared.resolved.facts, sizing, runtime.context, distributed)
  const observation = await observeLocal(runtime, services, ranks)
  return planLocal(prepared.fleet, { context: runtime.context, desired: services, ranks, problems, observation }, prepared.where)
}

/** Metal's working set per machine: measured here (this Mac), else recorded by fleet probe --save. */
function workingSets(prepared: Prepared, runtime: LocalRuntime | null): { measuredWorkingSets: Map<string, number>; workingSetSources: Map<string, string> } {
  const { fleet } = prepared
  // The machines without a host are this Mac: read Metal's real working set for them (null off macOS).
  const measuredWorkingSets = new Map<string, number>()
  // Only when fleet runs on such a machine: an agent on a remote Mac measures its own Metal, not the control point's.
  const local = runtime === null || runtime.machine.host === null ? fleet.machines.filter((m) => m.host === null) : []
  const metal = local.length > 0 && process.platform === 'darwin' ? metalDeviceFacts() : null
  if (metal) for (const m of local) if (Math.abs(metal.memoryBytes - m.memoryBytes) < 2 ** 30) measuredWorkingSets.set(m.name, metal.workingSetBytes)
  // What fleet probe --save recorded for the others (fleet.probe.json next to fleet.yaml).
  const workingSetSources = new Map<string, string>()
  for (const [name, recorded] of recordedWorkingSets(readProbeFile(probePathFor(prepared.path)), fleet.machines)) {
    if (measuredWorkingSets.has(name)) continue
    measuredWorkingSets.set(name, recorded.bytes)
    workingSetSources.set(name, recorded.by)
  }
  return { measuredWorkingSets, workingSetSources }
}

/** What fleet bench --calibrate recorded next to fleet.yaml (fleet.calibration.json), for the speed predictions. */
export function calibrationOf(prepared: Prepared): CalibrationLookup {
  return lookupIn(readCalibrationFile(calibrationPathFor(prepared.path)))
}
