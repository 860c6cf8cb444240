/** The plan's budget and rules on small fleets, offline (catalog facts), with the arithmetic spelled out. */
import { describe, expect, it } from 'vitest'
import { loadFleetText } from '../../src/config/load.ts'
import { locate } from '../../src/config/source.ts'
import type { Fleet } from '../../src/config/types.ts'
import { assemblePlan } from '../../src/plan/assemble.ts'
import type { DesiredService } from '../../src/plan/desired.ts'
import type { LocalInputs } from '../../src/plan/local.ts'
import { modelKey } from '../../src/plan/observation.ts'
import { sizeFleet } from '../../src/sizing/fleet.ts'
import type { PlanDocument } from '../../src/plan/types.ts'
import { emptyLock } from '../../src/resolve/lock.ts'
import { resolveModels } from '../../src/resolve/resolve.ts'
import { defaultGpuWorkingSet, machineBudget } from '../../src/sizing/budget.ts'

const GiB = 2 ** 30

/** `disk`: plan as if run on machine m, where the cache misses `missingBytes` of the model and has `freeBytes` free. */
async function planOf(text: string, disk?: { missingBytes: number; freeBytes: number }): Promise<PlanDocument> {
  const loaded = loadFleetText(text)
  expect(loaded.diagnostics.filter((d) => d.severity === 'error')).toEqual([])
  const where = (p: readonly (string | number)[], o?: { key?: boolean }): { line: number; column: number } => locate(loaded.source!, p, o)
  const resolved = await resolveModels(loaded.fleet!, { lock: emptyLock(), hub: null, locate: where })
  const fleet = loaded.fleet!
  return assemblePlan({
    fleet,
    facts: resolved.facts,
    diagnostics: [...loaded.diagnostics, ...resolved.diagnostics],
    sizing: sizeFleet(fleet, resolved.facts),
    local: disk ? localOf(fleet, disk) : null,
    locate: where,
    now: new Date(0),
  })
}

function localOf(fleet: Fleet, disk: { missingBytes: number; freeBytes: number }): LocalInputs {
  const machine = fleet.machines[0]!
  const spec = {
    label: 'dev.fleet.d',
    deployment: 'd',
    program: '/bin/server',
    args: [],
    env: {},
    workingDirectory: '/w',
    stdoutPath: '/l/o',
    stderrPath: '/l/e',
    throttleSeconds: 10,
    exitTimeoutSeconds: 60,
    numberOfFiles: 8192,
  }
  const desired: DesiredService = {
    deployment: fleet.deployments[0]!,
    spec,
    hash: 'h',
    port: 8080,
    readiness: { kind: 'http', url: 'http://127.0.0.1:8080/', okStatus: 0 },
    warmup: null,
    readinessTimeoutMs: 1000,
    model: { name: 'qwen8', repo: 'org/m', commit: 'c'.repeat(40), revision: null, files: [] },
  }
  return {
    context: {
      machine,
      home: '/h',
      stateRoot: '/s',
      logsDir: '/l',
      hubCache: '/c',
      hfHome: '/hf',
      snapshotDir: (repo, commit) => `/c/${repo}/${commit}`,
      executables: new Map(),
      commandPrograms: new Map(),
      missingEngines: [],
    },
    desired: [desired],
    problems: [],
    observation: {
      machine: machine.name,
      backend: 'process',
      services: new Map(),
      missingBytes: new Map([[modelKey('org/m', 'c'.repeat(40)), disk.missingBytes]]),
      freeBytes: disk.freeBytes,
      wiredLimit: null,
    },
  }
}

const fleet = (machine: string, deployment: string, extra = ''): string => `version: 1
machines:
  m: { ${machine} }
models:
  llama70: { source: hf:bartowski/Llama-3.3-70B-Instruct-GGUF, quant: Q4_K_M }
  qwen8: { source: hf:mlx-community/Qwen3-8B-4bit }
deployments:
  d: { machine: m, ${deployment} }
${extra}`

describe('machine budget', () => {
  it('uses 2/3 of RAM up to 36 GB and 3/4 above, unless a wired limit is declared', () => {
    expect(defaultGpuWorkingSet(16 * GiB)).toBe(Math.floor((16 * GiB * 2) / 3))
    expect(defaultGpuWorkingSet(36 * GiB)).toBe(24 * GiB)
    expect(defaultGpuWorkingSet(64 * GiB)).toBe(48 * GiB)
    expect(defaultGpuWorkingSet(512 * GiB)).toBe(384 * GiB)
  })

  it('takes the smaller of RAM − reserve and the working set, and says how', async () => {
    const plan = await planOf(fleet('chip: m3-ultra, memory: 512GB, reserve: 24GiB', 'model: qwen8, engine: mlx-lm, port: 8080'))
    const m = plan.machines[0]!
    expect(m.budgetBytes).toBe(384 * GiB) // min(512 − 24 = 488, 384)
    expect(m.budget.limitedBy).toBe('gpu-working-set')
    expect(m.budget.derivation).toBe('min(RAM 512.0 GiB − reserve 24.0 GiB = 488.0 GiB, GPU working set 384.0 GiB (macOS default 3/4 of RAM)) = 384.0 GiB')
    const declared = machineBudget({
      ...(await planOf(fleet('chip: m3-ultra, memory: 512GB, gpuWiredLimit: 500GiB, reserve: 24GiB', 'model: qwen8, engine: mlx-lm, port: 8080'))).machines[0]!,
      gpuWiredLimitBytes: 500 * GiB,
      pools: { weights: null, kvCache: null, buffers: null },
      hfCache: null,
      serviceManager: 'auto',
      host: null,
      cpuCores: 0,
      bandwidthSource: 'catalog',
      gpuClockGHz: 1,
      reserveBytes: 24 * GiB,
    } as never)
    expect(declared.budgetBytes).toBe(488 * GiB)
    expect(declared.limitedBy).toBe('ram-minus-reserve')
  })
})

describe('rules', () => {
  it('fits-in-budget fails a machine that cannot hold its deployments, at the machine', async () => {
    // Llama-3.3-70B Q4_K_M is 39.6 GiB of weights alone; a 36 GB M3 Pro's budget is 24 GiB.
    const plan = await planOf(fleet('chip: m3-pro, memory: 36GB', 'model: llama70, engine: llama.cpp, port: 8080, context: 4k'))
    expect(plan.summary.fits).toBe(false)
    expect(plan.diagnostics).toContainEqual(expect.objectContaining({ code: 'fits-in-budget', severity: 'error', path: 'machines.m', line: 3, column: 3 }))
  })

  it('wired-limit-needed names the exact gpuWiredLimit when RAM would suffice', async () => {
    // 64 GB M1 Max: working set 48 GiB; RAM − reserve 8 = 56 GiB. 70B Q4_K_M at 16K (KV 5 GiB, plus llama-server's 8 GiB --cache-ram budget) needs ~53 GiB.
    const plan = await planOf(fleet('chip: m1-max, memory: 64GB, gpuCores: 32', 'model: llama70, engine: llama.cpp, port: 8080, context: 16k'))
    const used = plan.machines[0]!.usedBytes
    expect(used).toBeGreaterThan(48 * GiB)
    expect(used).toBeLessThan(56 * GiB)
    const d = plan.diagnostics.find((x) => x.code === 'wired-limit-needed')!
    const mib = Math.min(Math.ceil((used + GiB) / 2 ** 20 / 1024) * 1024, 56 * 1024)
    expect(d.hint).toBe(`Declare gpuWiredLimit: ${mib}MiB on machine m (sets iogpu.wired_limit_mb=${mib} at boot)`)
    expect(plan.diagnostics.find((x) => x.code === 'fits-in-budget')!.hint).toContain('declare gpuWiredLimit')
  })

  it('context-exceeds-model unless rope scaling is declared', async () => {
    // Qwen3-8B: max_position_embeddings 40960.
    const over = await planOf(fleet('chip: m4-max, memory: 128GB', 'model: qwen8, engine: mlx-lm, port: 8080, context: 64k'))
    expect(over.diagnostics).toContainEqual(expect.objectContaining({ code: 'context-exceeds-model', severity: 'error', path: 'deployments.d.context' }))
    const scaled = await planOf(
      fleet('chip: m4-max, memory: 128GB', 'model: qwen8, engine: mlx-lm, port: 8080, context: 64k').replace(
        'qwen8: { source: hf:mlx-community/Qwen3-8B-4bit }',
        'qwen8: { source: hf:mlx-community/Qwen3-8B-4bit, ropeScaling: { type: yarn, factor: 4 } }',
      ),
    )
    expect(scaled.diagnostics.map((d) => d.code)).not.toContain('context-exceeds-model')
  })

  it('min-decode-speed warns and chat-speed informs, with thresholds from rules:', async () => {
    const slow = await planOf(fleet('chip: m1, memory: 16GB', 'model: qwen8, engine: mlx-lm, port: 8080, context: 32k', 'rules:\n  minDecodeTokensPerSecond: 30\n'))
    expect(slow.diagnostics).toContainEqual(expect.objectContaining({ code: 'min-decode-speed', severity: 'warning' }))
    const off = await planOf(
      fleet('chip: m1, memory: 16GB', 'model: qwen8, engine: mlx-lm, port: 8080, context: 32k', 'rules:\n  minDecodeTokensPerSecond: 30\n  min-decode-speed: off\n  chat-speed: off\n'),
    )
    expect(off.diagnostics.map((d) => d.code)).not.toContain('min-decode-speed')
  })

  it('memory-fraction and headroom use their thresholds', async () => {
    const plan = await planOf(fleet('chip: m4-max, memory: 128GB', 'model: llama70, engine: llama.cpp, port: 8080, context: 32k', 'rules:\n  maxMemoryFraction: 0.3\n  headroom: { value: 0.5 }\n'))
    expect(plan.diagnostics.map((d) => d.code)).toEqual(expect.arrayContaining(['memory-fraction', 'headroom']))
  })

  it('fits-in-budget judges the peak by default, and what is allocated at load with rules.fitOn: load', async () => {
    // Llama-3.3-70B Q4_K_M at 8K × 4 on a 64 GB M4 Max with a 56 GiB wired limit: weights, KV and buffers fit at
    // load; the host prompt-cache budget llama-server may fill on top of them (--cache-ram) does not.
    const machine = 'chip: m4-max, memory: 64GB, gpuWiredLimit: 56GiB, reserve: 4GiB'
    const deployment = 'model: llama70, engine: llama.cpp, port: 8080, context: 8k, parallel: 4'
    const peak = await planOf(fleet(machine, deployment))
    const d = peak.deployments[0]!.memory!
    expect(d.peakBytes - d.atLoadBytes).toBe(d.overhead.promptCacheBytes + d.overhead.transientBytes)
    expect(peak.machines[0]).toMatchObject({ fitOn: 'peak', usedBytes: d.peakBytes, usedAtLoadBytes: d.atLoadBytes, usedPeakBytes: d.peakBytes })
    expect(d.atLoadBytes).toBeLessThan(peak.machines[0]!.budgetBytes)
    expect(d.peakBytes).toBeGreaterThan(peak.machines[0]!.budgetBytes)
    expect(peak.diagnostics).toContainEqual(expect.objectContaining({ code: 'fits-in-budget', severity: 'error' }))
    const load = await planOf(fleet(machine, deployment, 'rules:\n  fitOn: load\n'))
    expect(load.machines[0]).toMatchObject({ fitOn: 'load', usedBytes: d.atLoadBytes })
    expect(load.diagnostics.map((x) => x.code)).not.toContain('fits-in-budget')
    // Capping the host prompt cache brings the peak down to the load figure plus what remains.
    const capped = await planOf(fleet(machine, `${deployment}, options: { cacheRam: 0 }`))
    expect(capped.deployments[0]!.memory!.overhead.promptCacheBytes).toBe(0)
  })

  it('pools are checked one by one', async () => {
    const plan = await planOf(fleet('chip: m4-max, memory: 128GB, pools: { weights: 30GiB, kvCache: 64GiB, buffers: 16GiB }', 'model: llama70, engine: llama.cpp, port: 8080, context: 8k'))
    expect(plan.machines[0]!.pools.weights).toEqual({ limitBytes: 30 * GiB, usedBytes: plan.deployments[0]!.memory!.weightsBytes })
    expect(plan.diagnostics).toContainEqual(expect.objectContaining({ code: 'fits-in-budget', path: 'machines.m.pools.weights' }))
  })

  it('disk-space compares what is missing with what is free', async () => {
    const plan = await planOf(fleet('chip: m4-max, memory: 128GB', 'model: qwen8, engine: mlx-lm, port: 8080'), { missingBytes: 5 * GiB, freeBytes: 2 * GiB })
    expect(plan.diagnostics).toContainEqual(expect.objectContaining({ code: 'disk-space', severity: 'error' }))
  })

  it('several deployments on one machine add up; a multi-machine one counts its share on each of its machines', async () => {
    const text = `version: 1
machines:
  a: { chip: m3-ultra, memory: 512GB }
  b: { chip: m3-ultra, memory: 256GB }
models:
  qwen8: { source: hf:mlx-community/Qwen3-8B-4bit }
deployments:
  one: { machine: a, model: qwen8, engine: mlx-lm, port: 8080 }
  two: { machine: a, model: qwen8, engine: mlx-lm, port: 8081 }
  split: { machines: [a, b], model: qwen8, engine: mlx-lm, port: 8090 }
`
    const plan = await planOf(text)
    const [one, two, split] = plan.deployments
    expect(split!.placement).toBe('multi-machine')
    const [onA, onB] = split!.distributed!.ranks
    expect(plan.machines[0]!.usedBytes).toBeCloseTo(one!.memory!.totalBytes + two!.memory!.totalBytes + onA!.memory.peakBytes, -2)
    expect(plan.machines[1]!.usedBytes).toBeCloseTo(onB!.memory.peakBytes, -2)
    // Qwen3 has shard() but no pipeline() in mlx-lm 0.32.0, and an 8B fits either machine alone.
    expect(plan.diagnostics.map((d) => d.code)).toEqual(expect.arrayContaining(['unsplittable-model', 'shard-unneeded']))
  })
})

describe('the plan document', () => {
  it('is deterministic: same inputs, same bytes', async () => {
    const text = fleet('chip: m4-max, memory: 128GB', 'model: qwen8, engine: mlx-lm, port: 8080, context: 16k, parallel: 2')
    expect(JSON.stringify(await planOf(text))).toBe(JSON.stringify(await planOf(text)))
  })

  it('memory totals add up', async () => {
    const plan = await planOf(fleet('chip: m4-max, memory: 128GB', 'model: llama70, engine: llama.cpp, port: 8080, context: 16k, parallel: 2, kvCache: q8_0'))
    const m = plan.deployments[0]!.memory!
    const o = m.overhead
    expect(m.overheadBytes).toBe(o.stateBytes + o.promptCacheBytes + o.computeBytes + o.runtimeBytes)
    expect(m.totalBytes).toBe(m.weightsBytes + m.kvCacheBytes + m.overheadBytes)
    // Llama-3.3-70B: 80 layers × 8 KV heads × 128 × (K + V) × q8_0 1.0625 B = 174,080 B per token; -c 32768 cells.
    expect(m.kvCacheBytes).toBe(80 * 8 * 128 * 2 * 1.0625 * 32768)
  })
})
