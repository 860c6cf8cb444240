/**
 * fleet init through the built CLI: off a Mac it needs --chip and --memory (and says so), writes a fleet.yaml that
 * validates and plans without errors, picks a larger model for a larger Mac, writes the schema its modeline names, and
 * never overwrites a file.
 */
import { existsSync, mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { runCliAsync } from '../support/cli.ts'

const env = (dir: string) => ({ HOME: dir, HF_HUB_OFFLINE: '1' })

describe('fleet init', () => {
  it.skipIf(process.platform === 'darwin')('off a Mac, asks for the chip to plan', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fleet-init-'))
    const r = await runCliAsync(['init'], { cwd: dir, env: env(dir) })
    expect(r.code).toBe(1)
    expect(r.stderr).toMatch(/cannot tell this machine's chip .*not an Apple Mac/)
    expect(r.stderr).toMatch(/hint: Pass --chip ID and --memory SIZE/)
    expect(existsSync(join(dir, 'fleet.yaml'))).toBe(false)
  })

  it('writes a fleet.yaml that plans cleanly, sized to the machine, and never overwrites it', async () => {
    const small = mkdtempSync(join(tmpdir(), 'fleet-init-'))
    const r = await runCliAsync(['init', '--chip', 'm4', '--memory', '16GB'], { cwd: small, env: env(small) })
    expect(r.code).toBe(0)
    expect(r.stdout).toMatch(/Wrote fleet\.yaml: .*\(M4, 16 GB, reserve 6 GiB\) serving mlx-community\/\S+ as "chat"/)
    const text = readFileSync(join(small, 'fleet.yaml'), 'utf8')
    expect(text.split('\n')[0]).toBe('# yaml-language-server: $schema=./fleet.schema.json')
    expect(JSON.parse(readFileSync(join(small, 'fleet.schema.json'), 'utf8'))).toHaveProperty('$schema')
    const plan = await runCliAsync(['plan', '--offline', '--json'], { cwd: small, env: env(small) })
    const doc = JSON.parse(plan.stdout) as { machines: { usedBytes: number; budgetBytes: number }[]; diagnostics: { severity: string; code: string }[] }
    expect(doc.machines[0]!.usedBytes).toBeLessThan(doc.machines[0]!.budgetBytes)
    // Offline, this machine's apply would still need fleet lock (network) to pin the model: nothing else is wrong.
    expect(doc.diagnostics.filter((d) => d.severity === 'error').map((d) => d.code)).toEqual(['not-deployable'])

    const big = mkdtempSync(join(tmpdir(), 'fleet-init-'))
    expect((await runCliAsync(['init', '--chip', 'm3-ultra', '--memory', '512GB'], { cwd: big, env: env(big) })).code).toBe(0)
    const bigPlan = JSON.parse((await runCliAsync(['plan', '--offline', '--json'], { cwd: big, env: env(big) })).stdout) as typeof doc
    const smallPlan = JSON.parse(plan.stdout) as typeof bigPlan
    // A bigger Mac gets a bigger model.
    expect(bigPlan.machines[0]!.usedBytes).toBeGreaterThan(4 * smallPlan.machines[0]!.usedBytes)

    const again = await runCliAsync(['init', '--chip', 'm4', '--memory', '16GB'], { cwd: small, env: env(small) })
    expect(again.code).toBe(1)
    expect(again.stderr).toContain('fleet.yaml already exists; fleet init never overwrites a file')
    expect(readFileSync(join(small, 'fleet.yaml'), 'utf8')).toBe(text)
  }, 60_000)
})

describe('starterFleet', () => {
  it('writes the probed GPU-core bin when there is one', async () => {
    const { starterFleet } = await import('../../src/commands/init.ts')
    const text = starterFleet({ machine: 'studio', chip: 'm3-ultra', gpuCores: 60, memoryGB: 96, reserveGiB: 12, repo: 'mlx-community/Qwen3-30B-A3B-4bit', serviceManager: 'auto' })
    expect(text).toContain('    chip: m3-ultra\n    gpuCores: 60\n    memory: 96GB\n')
    expect(starterFleet({ machine: 'air', chip: 'm4', memoryGB: 16, reserveGiB: 6, repo: 'r/r', serviceManager: 'process' })).toContain('    chip: m4\n    memory: 16GB\n')
  })
})
