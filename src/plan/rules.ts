/**
 * The plan's rules (src/rules/catalog.ts): pure checks over the sized plan. Each raises diagnostics named by its rule
 * id, at the fleet.yaml place a user would edit, with the severity and threshold from `rules:`.
 */
import type { Diagnostic, PathSegment } from '../config/diagnostics.ts'
import { formatPath } from '../config/diagnostics.ts'
import type { Fleet, Model } from '../config/types.ts'
import { HEADROOM_ERROR_FRACTION, type RuleId, type Severity } from '../rules/catalog.ts'
import { formatContext } from '../config/units.ts'
import type { ModelFacts } from '../resolve/facts.ts'
import type { DeploymentPlan, MachinePlan } from './types.ts'

export type Locate = (path: readonly PathSegment[], options?: { key?: boolean }) => { line: number; column: number }

const GiB = 2 ** 30
const gib = (bytes: number): string => `${(bytes / GiB).toFixed(1)} GiB`

export interface RuleContext {
  readonly fleet: Fleet
  readonly machines: readonly MachinePlan[]
  readonly deployments: readonly DeploymentPlan[]
  readonly facts: ReadonlyMap<string, ModelFacts>
  /** Per machine: bytes of weights still to download and free bytes on the cache's disk, when known. */
  readonly disk: ReadonlyMap<string, { readonly missingBytes: number; readonly freeBytes: number }>
  readonly locate: Locate
}

export function evaluateRules(ctx: RuleContext): Diagnostic[] {
  const out: Diagnostic[] = []
  const raise = (rule: RuleId, path: PathSegment[], message: string, hint: string | null, severity?: Severity): void => {
    const setting = ctx.fleet.rules[rule]
    if (setting.severity === 'off') return
    // A whole machine or deployment is pointed at by its name (the key), not by its first field.
    const pos = ctx.locate(path, { key: path.length === 2 })
    out.push({ file: ctx.fleet.file, line: pos.line, column: pos.column, path: formatPath(path), severity: severity ?? setting.severity, code: rule, message, hint })
  }
  const value = (rule: RuleId): number => ctx.fleet.rules[rule].value ?? 0

  for (const machine of ctx.machines) {
    const path = ['machines', machine.name]
    const declared = ctx.fleet.machines.find((m) => m.name === machine.name)!
    const used = machine.usedBytes
    if (used > machine.budgetBytes) {
      raise(
        'fits-in-budget',
        path,
        `deployments need ${gib(used)} but the budget is ${gib(machine.budgetBytes)} (${machine.budget.limitedBy === 'gpu-working-set' ? 'GPU working set' : 'RAM minus reserve'})`,
        fitHint(machine, declared.reserveBytes),
      )
    } else {
      const fraction = used / machine.budgetBytes
      if (fraction > HEADROOM_ERROR_FRACTION) {
        raise(
          'headroom',
          path,
          `${(fraction * 100).toFixed(0)} % of the budget is planned: under memory pressure macOS will compress and swap`,
          'Leave at least 5 % of the budget free: lower a context, a slot count or a quant',
          'error',
        )
      } else if (fraction > value('headroom')) {
        raise(
          'headroom',
          path,
          `${(fraction * 100).toFixed(0)} % of the budget is planned (warning above ${(value('headroom') * 100).toFixed(0)} %)`,
          'Long prompts and other apps need slack; consider a smaller context or fewer slots',
        )
      }
    }
    for (const pool of ['weights', 'kvCache', 'buffers'] as const) {
      const use = machine.pools[pool]
      if (use && use.usedBytes > use.limitBytes) {
        raise('fits-in-budget', [...path, 'pools', pool], `the ${pool} pool is ${gib(use.limitBytes)} but deployments need ${gib(use.usedBytes)}`, `Raise pools.${pool} or shrink what uses it`)
      }
    }
    const fractionLimit = value('memory-fraction')
    if (used > fractionLimit * machine.memoryBytes) {
      raise(
        'memory-fraction',
        path,
        `deployments use ${gib(used)}, ${((used / machine.memoryBytes) * 100).toFixed(0)} % of RAM (limit ${(fractionLimit * 100).toFixed(0)} %)`,
        `Stay under ${gib(fractionLimit * machine.memoryBytes)} or raise rules.maxMemoryFraction`,
      )
    }
    // Fits in RAM − reserve but not in the default GPU working set: the fix is a wired limit, and we can name it.
    const afterReserve = machine.memoryBytes - machine.reserveBytes
    if (machine.gpuWorkingSetSource === 'default' && used > machine.gpuWorkingSetBytes && used <= afterReserve) {
      const neededMiB = Math.ceil((used + GiB) / 2 ** 20 / 1024) * 1024
      const suggestion = Math.min(neededMiB, Math.floor(afterReserve / 2 ** 20))
      raise(
        'wired-limit-needed',
        path,
        `deployments need ${gib(used)}: more than macOS's default GPU working set (${gib(machine.gpuWorkingSetBytes)}) but within RAM minus reserve`,
        `Declare gpuWiredLimit: ${suggestion}MiB on machine ${machine.name} (sets iogpu.wired_limit_mb=${suggestion} at boot)`,
      )
    }
    const disk = ctx.disk.get(machine.name)
    if (disk && disk.missingBytes > disk.freeBytes) {
      raise(
        'disk-space',
        path,
        `${gib(disk.missingBytes)} of weights are still to download but the cache's disk has ${gib(disk.freeBytes)} free`,
        'Free disk space, or set hfCache on this machine to a larger volume',
      )
    }
  }

  for (const d of ctx.deployments) {
    const path = ['deployments', d.name]
    if (d.decodeTokensPerSecond) {
      const full = d.decodeTokensPerSecond.full
      if (full < value('min-decode-speed')) {
        raise(
          'min-decode-speed',
          [...path, 'context'],
          `decode ~${full.toFixed(1)} tok/s at full context (${formatContext(d.context)}) is below ${value('min-decode-speed')} tok/s`,
          'Use a smaller quant or model, a shorter context, or a machine with more bandwidth',
        )
      } else if (full < value('chat-speed')) {
        raise('chat-speed', [...path, 'context'], `decode ~${full.toFixed(full < 20 ? 1 : 0)} tok/s at full context is below chat-grade ${value('chat-speed')} tok/s`, null)
      }
    }
    const model = d.model === null ? undefined : ctx.fleet.models.find((m) => m.name === d.model)
    const facts = model ? ctx.facts.get(model.name) : undefined
    if (model && facts) {
      const limit = usableContext(model, facts)
      if (limit && d.context > limit.tokens) {
        raise(
          'context-exceeds-model',
          [...path, 'context'],
          `context ${formatContext(d.context)} exceeds ${facts.repo}'s ${limit.why} of ${formatContext(limit.tokens)} tokens`,
          model.ropeScaling
            ? `Lower context to at most ${limit.tokens}`
            : `Lower context, or declare ropeScaling on model ${model.name} if the model supports extension (e.g. { type: yarn, factor: 4 })`,
        )
      }
    }
  }
  return out
}

function fitHint(machine: MachinePlan, reserveBytes: number): string {
  if (machine.budget.limitedBy === 'gpu-working-set' && machine.gpuWorkingSetSource === 'default' && machine.usedBytes <= machine.memoryBytes - reserveBytes) {
    return `It fits in RAM minus reserve: declare gpuWiredLimit on ${machine.name} (see wired-limit-needed)`
  }
  return 'Lower a context or slot count, use a smaller quant or a quantized KV cache, or move a deployment to another machine'
}

/** The longest context a model supports: its trained length, or that × the declared rope scaling factor. */
export function usableContext(model: Model, facts: ModelFacts): { tokens: number; why: string } | null {
  // 0: the files do not say (a GGUF without context_length), so there is nothing to check against.
  const trained = facts.architecture?.trainedContext ?? 0
  if (trained === 0) return null
  if (!model.ropeScaling) return { tokens: trained, why: 'trained context' }
  return { tokens: Math.floor(trained * model.ropeScaling.factor), why: `context with ${model.ropeScaling.type} ×${model.ropeScaling.factor}` }
}
