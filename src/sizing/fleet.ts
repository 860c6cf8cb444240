/**
 * The one sizing pass of a plan: every deployment sized once, then read by the plan document, the desired services
 * (their server limits) and `fleet status` alike.
 */
import type { Deployment, Fleet } from '../config/types.ts'
import type { ModelFacts } from '../resolve/facts.ts'
import { sizeDeployment, type DeploymentSizing } from './deployment.ts'
import type { CalibrationLookup } from './speed.ts'

/** By deployment name; null where the deployment's model could not be resolved (its diagnostic says why). */
export type FleetSizing = ReadonlyMap<string, DeploymentSizing | null>

/** The version of a pip-installed engine (fleet pins it); null for brew or a path, whose version fleet does not know. */
function engineVersion(fleet: Fleet, engine: Deployment['engine']): string | null {
  if (engine === 'command') return null
  const source = fleet.engines[engine]
  return source.kind === 'python' ? source.version : null
}

/** `calibration`: what fleet bench --calibrate measured per machine and speed family (fleet.calibration.json). */
export function sizeFleet(fleet: Fleet, facts: ReadonlyMap<string, ModelFacts>, calibration: CalibrationLookup = () => null): FleetSizing {
  const machines = new Map(fleet.machines.map((m) => [m.name, m]))
  const sized = new Map<string, DeploymentSizing | null>()
  for (const d of fleet.deployments) {
    const modelFacts = d.model === null ? null : (facts.get(d.model) ?? undefined)
    const machine = machines.get(d.machine)
    if (modelFacts === undefined || machine === undefined) sized.set(d.name, null)
    else sized.set(d.name, sizeDeployment(d, machine, modelFacts, engineVersion(fleet, d.engine), d.engine === 'command' ? null : calibration(machine, d.engine)))
  }
  return sized
}
