/**
 * Deployments on several machines through `fleet plan`: the home-cluster example's DeepSeek-V3.1 split across both M3
 * Ultras (each machine's bar counts its share, the speed includes the link), and the diagnostics a split gets: a layer
 * the engine's split skips, a model mlx-lm cannot split, a model that fits one machine alone. The machines' hosts are
 * not reached (FLEET_SSH_COMMAND=false: each is a warning), so only sizing is under test.
 */
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { plan } from '../../src/commands/plan.ts'
import type { PlanDocument } from '../../src/plan/types.ts'
import { ROOT } from '../support/cli.ts'
import { captureIo } from '../support/io.ts'

const ENV = { FLEET_SSH_COMMAND: 'false', HF_HUB_OFFLINE: '1', HOME: tmpdir() }

async function planOf(file: string, cwd: string): Promise<PlanDocument> {
  const run = captureIo(ENV)
  await plan({ file, json: true, offline: true, cwd, now: new Date('2026-12-03T00:00:00Z') }, run.io)
  return JSON.parse(run.out()) as PlanDocument
}

describe('plan of a model across machines', () => {
  it('home-cluster: DeepSeek-V3.1 split by tensor over RDMA, each Ultra counting its half', async () => {
    const doc = await planOf('examples/home-cluster.yaml', ROOT)
    const d = doc.deployments.find((x) => x.name === 'deepseek')!
    expect(d.placement).toBe('multi-machine')
    expect(d.distributed).not.toBeNull()
    const x = d.distributed!
    expect({ parallelism: x.parallelism, backend: x.backend, machines: x.ranks.map((r) => r.machine) }).toEqual({ parallelism: 'tensor', backend: 'jaccl', machines: ['ultra-a', 'ultra-b'] })
    // Each machine's budget counts its share, and the share is about half the model plus what both hold whole.
    const ultraA = doc.machines.find((m) => m.name === 'ultra-a')!
    expect(ultraA.usedPeakBytes).toBeCloseTo(x.ranks[0]!.memory.peakBytes, -3)
    expect(x.ranks[0]!.memory.weightsBytes).toBeGreaterThan(d.memory!.weightsBytes / 2)
    expect(x.ranks[0]!.memory.weightsBytes).toBeLessThan(d.memory!.weightsBytes * 0.52)
    // The link is in the speed, and the single-machine figure is there to compare.
    expect(x.networkSecondsPerToken).toBeGreaterThan(0)
    expect(d.singleMachineDecodeTokensPerSecond).not.toBeNull()
    expect(doc.diagnostics.filter((g) => g.severity === 'error')).toEqual([])
  })

  const fleet = (deployment: string, extra = '') => `version: 1
engines:
  mlx-lm: { python: mlx-lm==0.32.0 }
machines:
  a: { chip: m3-ultra, memory: 512GB, host: a.local }
  b: { chip: m3-ultra, memory: 256GB, host: b.local }
${extra}models:
  deepseek: { source: hf:mlx-community/DeepSeek-V3.1-4bit }
  qwen: { source: hf:mlx-community/Qwen3-235B-A22B-4bit }
  small: { source: hf:mlx-community/Qwen3-8B-4bit }
deployments:
${deployment}
`
  const write = (text: string): string => {
    const dir = mkdtempSync(join(tmpdir(), 'fleet-dist-'))
    writeFileSync(join(dir, 'fleet.yaml'), text)
    return dir
  }

  it('says when mlx-lm 0.32.0 would skip a layer, with the layer range of each machine', async () => {
    const dir = write(fleet('  r1: { machines: [a, b], model: deepseek, engine: mlx-lm, port: 8080, context: 8k }'))
    const doc = await planOf('fleet.yaml', dir)
    const codes = doc.diagnostics.map((g) => `${g.severity} ${g.code} ${g.path}`)
    expect(codes).toContain('error split-skips-layers deployments.r1.machines')
    const skip = doc.diagnostics.find((g) => g.code === 'split-skips-layers')!
    expect(skip.message).toMatch(/61 layers over 2 ranks leaving layer 30 to no rank/)
    const d = doc.deployments.find((x) => x.name === 'r1')!
    expect(d.distributed!.ranks.map((r) => [r.machine, r.layers.start, r.layers.end])).toEqual([
      ['a', 31, 61],
      ['b', 0, 30],
    ])
  })

  it('refuses a model mlx-lm has no split for, and warns when one machine would do', async () => {
    const dir = write(
      fleet(`  moe: { machines: [a, b], model: qwen, engine: mlx-lm, port: 8080, context: 8k }
  tiny: { machines: [a, b], model: small, engine: mlx-lm, port: 8081, context: 8k, parallelism: tensor }`),
    )
    const doc = await planOf('fleet.yaml', dir)
    const moe = doc.diagnostics.find((g) => g.code === 'unsplittable-model')!
    expect(moe.message).toMatch(/mlx-lm cannot split model_type qwen3_moe by pipeline/)
    const tiny = doc.diagnostics.find((g) => g.code === 'shard-unneeded' && g.path === 'deployments.tiny.machines')!
    expect(tiny.severity).toBe('warning')
    expect(tiny.message).toMatch(/tiny fits on a alone/)
    expect(tiny.hint).toBe('Use machine: a instead of machines: [a, b]')
  })

  it('llama.cpp RPC: layers in proportion to what each machine has free, passed as --tensor-split', async () => {
    const dir = write(
      fleet('  gguf: { machines: [a, b], model: g, engine: llama.cpp, port: 8080, context: 8k }', 'links:\n  ab: { between: [a, b], kind: ethernet-10g }\n').replace(
        'models:\n',
        'models:\n  g: { source: hf:bartowski/Qwen_Qwen3-32B-GGUF, quant: Q4_K_M }\n',
      ),
    )
    const doc = await planOf('fleet.yaml', dir)
    const x = doc.deployments.find((d) => d.name === 'gguf')!.distributed!
    expect(x.backend).toBe('rpc')
    // Devices in llama.cpp's order: the RPC server (b), then the head's own Metal (a); a has twice b's budget.
    expect(x.tensorSplit![1]! / x.tensorSplit![0]!).toBeCloseTo(2, 1)
    expect(x.ranks.map((r) => r.machine)).toEqual(['a', 'b'])
    expect(x.ranks[0]!.layers.end - x.ranks[0]!.layers.start).toBeGreaterThan(x.ranks[1]!.layers.end - x.ranks[1]!.layers.start)
    expect(x.tensorSplit).toHaveLength(2)
    expect(x.hops.every((h) => h.kind === 'ethernet-10g' && h.declared)).toBe(true)
  })
})
