/**
 * The second pass of planning for deployments on several machines: once every single-machine deployment is placed,
 * split each multi-machine one across its machines (src/sizing/distributed.ts) with what those machines have left,
 * and say what each machine's bar and rows count for it. Pure.
 */
import type { Diagnostic } from '../config/diagnostics.ts'
import type { Fleet } from '../config/types.ts'
import { engineSizing } from '../engines/index.ts'
import type { ModelFacts } from '../resolve/facts.ts'
import { sizeDistributed } from '../sizing/distributed.ts'
import type { CalibrationLookup } from '../sizing/speed.ts'
import type { Locate } from './rules.ts'
import type { DeploymentPlan, MemoryBreakdown } from './types.ts'

/**
 * Which model types mlx-lm can split, at 0.32.0 (@d78bf58): `pipeline()` (PipelineMixin or its own) for pipeline
 * parallelism, `shard()` for tensor parallelism (mlx_lm/models/*.py). sharded_load raises for anything else.
 */
export const MLX_PIPELINE_MODEL_TYPES = ['deepseek_v2', 'deepseek_v3', 'deepseek_v32', 'glm4_moe', 'glm4_moe_lite', 'ministral3', 'qwen3_5'] as const
export const MLX_TENSOR_MODEL_TYPES = [
  'deepseek_v2',
  'deepseek_v3',
  'deepseek_v32',
  'exaone_moe',
  'glm4_moe',
  'glm4_moe_lite',
  'gpt_oss',
  'iquestloopcoder',
  'kimi_k25',
  'llama',
  'longcat_flash',
  'longcat_flash_ngram',
  'minimax',
  'ministral3',
  'qwen2',
  'qwen3',
  'qwen3_5',
  'step3p5',
] as const

/** The memory a deployment holds on one machine: all of it for a single placement, its rank's share when split. */
export function memoryOn(d: DeploymentPlan, machine: string): MemoryBreakdown | null {
  if (d.placement === 'single') return d.machine === machine ? d.memory : null
  return d.distributed?.ranks.find((r) => r.machine === machine)?.memory ?? null
}

export function distributeDeployments(
  fleet: Fleet,
  facts: ReadonlyMap<string, ModelFacts>,
  deployments: readonly DeploymentPlan[],
  budgets: ReadonlyMap<string, number>,
  locate: Locate,
  calibration?: CalibrationLookup,
): { deployments: DeploymentPlan[]; diagnostics: Diagnostic[] } {
  const diagnostics: Diagnostic[] = []
  const report = (name: string, field: string, fields: Pick<Diagnostic, 'severity' | 'code' | 'message' | 'hint'>): void => {
    const path = ['deployments', name, field]
    const pos = locate(path, { key: true })
    diagnostics.push({ file: fleet.file, line: pos.line, column: pos.column, path: path.join('.'), ...fields })
  }
  const figure = (m: MemoryBreakdown): number => (fleet.fitOn === 'load' ? m.atLoadBytes : m.peakBytes)
  // What the single-machine deployments leave free on each machine.
  const free = new Map(
    [...budgets].map(([name, budget]) => [name, budget - deployments.filter((d) => d.placement === 'single' && d.machine === name).reduce((s, d) => s + (d.memory ? figure(d.memory) : 0), 0)]),
  )
  const planned = deployments.map((plan) => {
    if (plan.placement !== 'multi-machine' || plan.memory === null || !plan.memory.complete) return plan
    const d = fleet.deployments.find((x) => x.name === plan.name)!
    const f = d.model === null ? undefined : facts.get(d.model)
    if (f?.architecture == null) return plan
    const sizing = engineSizing(d)
    if (sizing === null) return plan
    const machines = d.machines.map((name) => fleet.machines.find((m) => m.name === name)!)
    const source = d.engine === 'command' ? null : fleet.engines[d.engine]
    const engineVersion = source?.kind === 'python' ? source.version : null
    const modelType = f.architecture.modelType
    if (d.engine === 'mlx-lm') {
      const supported: readonly string[] = d.parallelism === 'pipeline' ? MLX_PIPELINE_MODEL_TYPES : MLX_TENSOR_MODEL_TYPES
      if (!supported.includes(modelType)) {
        const other: readonly string[] = d.parallelism === 'pipeline' ? MLX_TENSOR_MODEL_TYPES : MLX_PIPELINE_MODEL_TYPES
        report(d.name, 'machines', {
          severity: 'error',
          code: 'unsplittable-model',
          message: `mlx-lm cannot split model_type ${modelType} by ${d.parallelism}: its model file has no ${d.parallelism === 'pipeline' ? 'pipeline()' : 'shard()'} (mlx_lm/models/${modelType}.py), so sharded_load refuses it`,
          hint: other.includes(modelType)
            ? `Use parallelism: ${d.parallelism === 'pipeline' ? 'tensor' : 'pipeline'}, which mlx-lm supports for ${modelType}`
            : `Serve it on one machine, or a GGUF of it with llama.cpp RPC (engine: llama.cpp)`,
        })
      }
    }
    const distributed = sizeDistributed({
      engineVersion,
      deployment: d,
      machines,
      architecture: f.architecture,
      whole: plan.memory,
      activeWeightBytesPerToken: f.weights.activeBytesPerToken,
      speedFamily: sizing.speedFamily,
      freeBytes: free,
      links: fleet.links,
      ...(calibration ? { calibration } : {}),
    })
    if (distributed.uncoveredLayers.length > 0) {
      report(d.name, 'machines', {
        severity: 'error',
        code: 'split-skips-layers',
        message:
          `mlx-lm ${engineVersion ?? ''} splits ${f.architecture.layers.length} layers over ${machines.length} ranks leaving layer${distributed.uncoveredLayers.length === 1 ? '' : 's'} ${distributed.uncoveredLayers.join(', ')} to no rank: each rank's start is computed from its own layer count (mlx_lm/models/pipeline.py), so the server would skip ${distributed.uncoveredLayers.length === 1 ? 'it' : 'them'}`.replace(
            '  ',
            ' ',
          ),
        hint: `Use a number of machines that divides ${f.architecture.layers.length}, parallelism: tensor, or an mlx-lm newer than 0.32.0 (prefix-sum split)`,
      })
    }
    // A model that fits one of its machines alone is faster there: every hop adds latency and nothing is gained.
    const alone = machines.find((m) => figure(plan.memory!) <= (free.get(m.name) ?? 0))
    if (alone) {
      report(d.name, 'machines', {
        severity: 'warning',
        code: 'shard-unneeded',
        message: `${d.name} fits on ${alone.name} alone (${(figure(plan.memory) / 2 ** 30).toFixed(1)} of ${((free.get(alone.name) ?? 0) / 2 ** 30).toFixed(1)} GiB free there): split across ${machines.length} machines it decodes at ~${distributed.decodeTokensPerSecond.typical.toFixed(1)} tok/s against ~${plan.decodeTokensPerSecond?.typical.toFixed(1) ?? '?'} alone`,
        hint: `Use machine: ${alone.name} instead of machines: [${d.machines.join(', ')}]`,
      })
    }
    // Several multi-machine deployments on the same machines share what is left, in fleet.yaml order.
    for (const rank of distributed.ranks) free.set(rank.machine, (free.get(rank.machine) ?? 0) - figure(rank.memory))
    return { ...plan, distributed, singleMachineDecodeTokensPerSecond: plan.decodeTokensPerSecond, decodeTokensPerSecond: distributed.decodeTokensPerSecond }
  })
  return { deployments: planned, diagnostics }
}
