/**
 * The planner: a pure function from the validated fleet, the models' facts, the one sizing pass and what was observed
 * on this machine to the plan document, changes included. Every input — the clock included — is a parameter
 * (conventions §1), so a plan is reproducible.
 */
import type { Diagnostic } from '../config/diagnostics.ts'
import { sortDiagnostics } from '../config/diagnostics.ts'
import type { Fleet } from '../config/types.ts'
import type { ModelFacts } from '../resolve/facts.ts'
import type { FleetSizing } from '../sizing/fleet.ts'
import type { CalibrationLookup } from '../sizing/speed.ts'
import { memoryOn } from './distribute.ts'
import { placeDeployments } from './placement.ts'
import { planLocal, type LocalInputs, type LocalPlan } from './local.ts'
import { evaluateRules, type Locate } from './rules.ts'
import { PLAN_VERSION, type Change, type DeploymentPlan, type MachinePlan, type ModelPlan, type PlanDocument, type PoolUse } from './types.ts'

export interface PlanInputs {
  readonly fleet: Fleet
  /** Facts per model name; a model missing here could not be resolved (its diagnostic is in `diagnostics`). */
  readonly facts: ReadonlyMap<string, ModelFacts>
  /** Diagnostics from earlier stages (validation warnings, resolution failures). */
  readonly diagnostics: readonly Diagnostic[]
  /** Every deployment sized once (src/sizing/fleet.ts). */
  readonly sizing: FleetSizing
  /** Metal working sets measured on the machines fleet runs on (by machine name). */
  readonly measuredWorkingSets?: ReadonlyMap<string, number>
  /** How each measured working set was measured (fleet.probe.json), for the budget line. */
  readonly workingSetSources?: ReadonlyMap<string, string>
  /** Machines' measured speed constants (fleet.calibration.json), for deployments split across machines. */
  readonly calibration?: CalibrationLookup
  /** The machine fleet runs on: its desired services and what was observed there; null when no machine is this one. */
  readonly local: LocalInputs | null
  /** Machines with host: their part of the plan as their own fleet planned it there, or why it could not be read. */
  readonly remote?: readonly RemoteMachinePlan[]
  readonly locate: Locate
  readonly now: Date
}

export type RemoteMachinePlan = { readonly machine: string; readonly plan: LocalPlan } | { readonly machine: string; readonly failure: { readonly message: string; readonly hint: string } }

function countChanges(changes: readonly Change[]): { toAdd: number; toChange: number; toDestroy: number } {
  return {
    toAdd: changes.filter((c) => c.action === 'create' || c.action === 'replace').length,
    toChange: changes.filter((c) => c.action === 'update').length,
    toDestroy: changes.filter((c) => c.action === 'delete' || c.action === 'replace').length,
  }
}

export function assemblePlan(inputs: PlanInputs): PlanDocument {
  const { fleet, facts } = inputs
  const local = inputs.local === null ? null : planLocal(fleet, inputs.local, inputs.locate)
  const remote = inputs.remote ?? []
  // Every machine observed, this one first: their changes, diagnostics and free disk make one plan.
  const observed: LocalPlan[] = [...(local ? [local] : []), ...remote.flatMap((r) => ('plan' in r ? [r.plan] : []))]
  const diagnostics: Diagnostic[] = [...inputs.diagnostics, ...observed.flatMap((p) => p.diagnostics)]
  // A machine that could not be read is a warning, not an error: its sizing still holds, only its changes are unknown.
  for (const r of remote) {
    if (!('failure' in r)) continue
    const pos = inputs.locate(['machines', r.machine, 'host'], {})
    diagnostics.push({
      file: fleet.file,
      line: pos.line,
      column: pos.column,
      path: `machines.${r.machine}.host`,
      severity: 'warning',
      code: 'machine-unreachable',
      message: `${r.failure.message}; its changes are unknown`,
      hint: r.failure.hint,
    })
  }
  const changes: readonly Change[] = observed.flatMap((p) => p.changes)
  const disk = new Map(observed.flatMap((p) => [...p.disk]))

  const placement = placeDeployments({
    fleet,
    facts,
    sizing: inputs.sizing,
    locate: inputs.locate,
    ...(inputs.measuredWorkingSets ? { measuredWorkingSets: inputs.measuredWorkingSets } : {}),
    ...(inputs.workingSetSources ? { workingSetSources: inputs.workingSetSources } : {}),
  })
  const { budgets } = placement
  const deployments = placement.deployments
  diagnostics.push(...placement.diagnostics)

  const machines: MachinePlan[] = fleet.machines.map((m) => {
    const budget = budgets.get(m.name)!
    // Each deployment counts with what it holds here: all of it, or its share when split across machines.
    const mine = deployments.flatMap((d) => {
      const memory = memoryOn(d, m.name)
      return memory === null ? [] : [{ ...d, memory }]
    })
    const sum = (pick: (d: DeploymentPlan) => number): number => mine.reduce((total, d) => total + pick(d), 0)
    const pool = (limit: number | null, used: number): PoolUse | null => (limit === null ? null : { limitBytes: limit, usedBytes: used })
    return {
      name: m.name,
      chip: m.chip,
      chipName: m.chipName,
      gpuCores: m.gpuCores,
      memoryBytes: m.memoryBytes,
      bandwidthBytesPerSecond: m.bandwidthBytesPerSecond,
      reserveBytes: m.reserveBytes,
      gpuWorkingSetBytes: budget.gpuWorkingSetBytes,
      gpuWorkingSetSource: budget.gpuWorkingSetSource,
      budgetBytes: budget.budgetBytes,
      budget: { limitedBy: budget.limitedBy, derivation: budget.derivation },
      // What the fit rules judge: the peak by default, or what is allocated at load (rules.fitOn: load).
      usedBytes: sum((d) => (fleet.fitOn === 'load' ? (d.memory?.atLoadBytes ?? 0) : (d.memory?.peakBytes ?? 0))),
      usedAtLoadBytes: sum((d) => d.memory?.atLoadBytes ?? 0),
      usedPeakBytes: sum((d) => d.memory?.peakBytes ?? 0),
      fitOn: fleet.fitOn,
      pools: {
        weights: pool(
          m.pools.weights,
          sum((d) => d.memory?.weightsBytes ?? 0),
        ),
        // Caches of every kind share the KV pool: live KV, recurrent state, and retained prompt caches.
        kvCache: pool(
          m.pools.kvCache,
          sum((d) => (d.memory ? d.memory.kvCacheBytes + d.memory.overhead.stateBytes + d.memory.overhead.promptCacheBytes : 0)),
        ),
        buffers: pool(
          m.pools.buffers,
          sum((d) => (d.memory ? d.memory.overhead.computeBytes + d.memory.overhead.transientBytes + d.memory.overhead.runtimeBytes : 0)),
        ),
      },
      deployments: deployments.filter((d) => d.machines.includes(m.name)).map((d) => d.name),
    }
  })

  diagnostics.push(...evaluateRules({ fleet, machines, deployments, facts, disk, locate: inputs.locate }))

  const models: ModelPlan[] = fleet.models.map((model) => {
    const f = facts.get(model.name)
    return {
      name: model.name,
      repo: model.source.repo,
      revision: model.source.revision,
      commit: f?.commit ?? null,
      format: f?.format ?? model.format,
      quant: f?.quant ?? model.quant,
      weightsBytes: f?.weights.totalBytes ?? null,
      downloadBytes: f ? (f.weights.files.length > 0 ? f.weights.files.reduce((s, file) => s + file.bytes, 0) : f.weights.totalBytes) : null,
      trainedContext: f?.architecture?.trainedContext || null,
      factsSource: f?.source ?? null,
    }
  })

  const sorted = sortDiagnostics(diagnostics)
  const errors = sorted.filter((d) => d.severity === 'error').length
  return {
    version: PLAN_VERSION,
    fleetFile: fleet.file,
    createdAt: inputs.now.toISOString(),
    machines,
    deployments,
    models,
    diagnostics: sorted,
    changes,
    observation: local?.observation ?? observed[0]?.observation ?? null,
    observations: observed.map((p) => p.observation),
    summary: {
      errors,
      warnings: sorted.filter((d) => d.severity === 'warning').length,
      fits: errors === 0,
      ...countChanges(changes),
      downloadBytes: models.reduce((s, m) => s + (m.downloadBytes ?? 0), 0),
    },
  }
}
