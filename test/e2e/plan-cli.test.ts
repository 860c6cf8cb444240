/** `fleet plan` spawned on every example, offline, as the README runs it on a fresh machine. */
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import type { PlanDocument } from '../../src/plan/types.ts'
import { ROOT, runCli } from '../support/cli.ts'

const examples = readdirSync(`${ROOT}examples`).filter((f) => f.endsWith('.yaml'))

describe('fleet plan on the examples (no network)', () => {
  it.each(examples)('%s: the view, and a JSON document with every documented field', (name) => {
    const view = runCli(['plan', '--offline', '-f', `examples/${name}`])
    expect(view.stderr).not.toMatch(/unexpected error|internal error|\bat .*\.js:\d+/)
    expect(view.stdout).toMatch(/\[[█░]{30}\]/)
    expect(view.stdout).toMatch(/^Plan: every machine fits/m)
    expect(view.code).toBe(0)

    const json = runCli(['plan', '--offline', '--json', '-f', `examples/${name}`])
    expect(json.code).toBe(0)
    const doc = JSON.parse(json.stdout) as PlanDocument
    expect(doc.version).toBe(1)
    for (const m of doc.machines) {
      expect(m).toEqual(
        expect.objectContaining({ name: expect.any(String), budgetBytes: expect.any(Number), usedBytes: expect.any(Number), budget: expect.objectContaining({ derivation: expect.any(String) }) }),
      )
      expect(m.usedBytes).toBeLessThanOrEqual(m.budgetBytes)
    }
    for (const d of doc.deployments) {
      expect(d).toEqual(expect.objectContaining({ name: expect.any(String), machine: expect.any(String), engine: expect.any(String), context: expect.any(Number), parallel: expect.any(Number) }))
      expect(d.memory).toEqual(expect.objectContaining({ weightsBytes: expect.any(Number), kvCacheBytes: expect.any(Number), overheadBytes: expect.any(Number), totalBytes: expect.any(Number) }))
      if (d.engine !== 'command') {
        expect(d.decodeTokensPerSecond!.empty).toBeGreaterThan(d.decodeTokensPerSecond!.full)
        expect(d.prefillTokensPerSecond).toBeGreaterThan(0)
      }
    }
    expect(Array.isArray(doc.diagnostics)).toBe(true)
    expect(doc.changes).toEqual([])
  })

  it('exits 1 and points at fleet.yaml when a machine does not fit', () => {
    const r = runCli(['plan', '--offline', '-f', 'test/fixtures/too-big.yaml'])
    expect(r.code).toBe(1)
    expect(r.stdout).toContain('test/fixtures/too-big.yaml:4:3 error machines.air: deployments need')
    expect(r.stdout).toContain('(rule fits-in-budget)')
    expect(r.stdout).toMatch(/^Plan fails: 1 error/m)
  })
})

describe('fleet plan touches nothing', () => {
  it('on a machine it plans for (process supervisor), it writes nothing but fleet.lock and --out', () => {
    const dir = mkdtempSync(join(tmpdir(), 'fleet-plan-pure-'))
    writeFileSync(
      join(dir, 'fleet.yaml'),
      `version: 1
machines:
  box: { chip: m4-max, memory: 128GB, serviceManager: process }
models:
  qwen8: { source: hf:mlx-community/Qwen3-8B-4bit }
deployments:
  web: { machine: box, engine: command, port: 18080, options: { command: [node, app.mjs] } }
  chat: { machine: box, model: qwen8, engine: mlx-lm, port: 18081 }
`,
    )
    const env = { FLEET_STATE_DIR: join(dir, 'state'), HOME: join(dir, 'home'), HF_HUB_CACHE: join(dir, 'hub'), HF_HUB_OFFLINE: '1', PATH: process.env.PATH }
    const r = runCli(['plan', '--json', '--out', join(dir, 'plan.json'), '-f', join(dir, 'fleet.yaml')], { env })
    expect(r.stderr).not.toMatch(/unexpected error|internal error/)
    const doc = JSON.parse(r.stdout) as PlanDocument
    // It did plan for this machine: it observed it and lists what apply would do.
    expect(doc.observation?.machine).toBe('box')
    expect(doc.changes.find((c) => c.name === 'web')).toMatchObject({ action: 'create', steps: [{ step: 'install', fresh: true }] })
    expect(readdirSync(dir).sort()).toEqual(['fleet.yaml', 'plan.json'])
  })
})
