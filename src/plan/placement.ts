/**
 * Where each deployment's memory goes: every deployment sized once (src/sizing/fleet.ts) becomes its plan entry, then
 * the ones across machines are split with what their machines have left (src/plan/distribute.ts). Shared by the
 * planner and by the desired state of a distributed head (llama.cpp's --tensor-split is the plan's split). Pure.
 */
import type { Diagnostic } from '../config/diagnostics.ts'
import type { Fleet } from '../config/types.ts'
import type { ModelFacts } from '../resolve/facts.ts'
import { machineBudget, type MachineBudget } from '../sizing/budget.ts'
import type { DistributedSizing } from '../sizing/distributed.ts'
import type { FleetSizing } from '../sizing/fleet.ts'
import type { CalibrationLookup } from '../sizing/speed.ts'
import { distributeDeployments } from './distribute.ts'
import type { Locate } from './rules.ts'
import type { DeploymentPlan } from './types.ts'

export interface PlacementInputs {
  readonly fleet: Fleet
  readonly facts: ReadonlyMap<string, ModelFacts>
  readonly sizing: FleetSizing
  readonly measuredWorkingSets?: ReadonlyMap<string, number>
  /** How each measured working set was measured, for the budget line (default: on this Mac). */
  readonly workingSetSources?: ReadonlyMap<string, string>
  /** Machines' measured speed constants (fleet.calibration.json), for the split deployments' stages. */
  readonly calibration?: CalibrationLookup
  readonly locate: Locate
}

const UNSIZED = {
  memory: null,
  decodeTokensPerSecond: null,
  decodeError: null,
  prefillTokensPerSecond: null,
  timeToFirstTokenSeconds: null,
  facts: null,
  details: {},
  notes: [],
  distributed: null,
  singleMachineDecodeTokensPerSecond: null,
} as const satisfies Partial<DeploymentPlan>

export function placeDeployments(inputs: PlacementInputs): { deployments: DeploymentPlan[]; diagnostics: Diagnostic[]; budgets: Map<string, MachineBudget> } {
  const { fleet, facts } = inputs
  const diagnostics: Diagnostic[] = []
  const placed: DeploymentPlan[] = fleet.deployments.map((d) => {
    const model = d.model === null ? undefined : fleet.models.find((m) => m.name === d.model)
    const modelFacts = model ? facts.get(model.name) : undefined
    const base = {
      name: d.name,
      machine: d.machine,
      machines: d.machines,
      placement: d.machines.length > 1 ? ('multi-machine' as const) : ('single' as const),
      model: d.model,
      repo: model?.source.repo ?? null,
      quant: modelFacts?.quant ?? model?.quant ?? null,
      format: modelFacts?.format ?? model?.format ?? null,
      engine: d.engine,
      port: d.port,
      context: d.context,
      parallel: d.parallel,
      kvCache: d.kvCache,
    }
    const sized = inputs.sizing.get(d.name) ?? null
    if (sized === null || !sized.ok) {
      if (sized !== null) {
        const pos = inputs.locate(['deployments', d.name], { key: true })
        diagnostics.push({ file: fleet.file, line: pos.line, column: pos.column, path: `deployments.${d.name}`, severity: 'error', code: 'unsizable', message: sized.message, hint: sized.hint })
      }
      // Not sized (its model could not be resolved, or its engine could not size it): no figures, only the placement.
      return { ...base, ...UNSIZED }
    }
    return {
      ...base,
      memory: sized.memory,
      decodeTokensPerSecond: sized.speed?.decodeTokensPerSecond ?? null,
      decodeError: sized.speed?.expectedError ?? null,
      prefillTokensPerSecond: sized.speed?.prefillTokensPerSecond ?? null,
      timeToFirstTokenSeconds: sized.speed?.timeToFirstTokenSeconds ?? null,
      facts: modelFacts ? { source: modelFacts.source, weights: modelFacts.weights.basis, citation: modelFacts.citation } : null,
      details: sized.details,
      notes: sized.notes,
      distributed: null,
      singleMachineDecodeTokensPerSecond: null,
    }
  })
  const budgets = new Map(fleet.machines.map((m) => [m.name, machineBudget(m, inputs.measuredWorkingSets?.get(m.name) ?? null, inputs.workingSetSources?.get(m.name))]))
  const split = distributeDeployments(fleet, facts, placed, new Map([...budgets].map(([name, b]) => [name, b.budgetBytes])), inputs.locate, inputs.calibration)
  return { deployments: split.deployments, diagnostics: [...diagnostics, ...split.diagnostics], budgets }
}

/** Each split deployment's DistributedSizing, by name (what a head's launch arguments follow). */
export function distributedSizings(inputs: PlacementInputs): Map<string, DistributedSizing> {
  return new Map(placeDeployments(inputs).deployments.flatMap((d) => (d.distributed ? [[d.name, d.distributed] as const] : [])))
}
