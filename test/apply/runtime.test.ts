/** How plan treats engines that are not installed: a binary is an error saying how to get it; a pinned Python
 * environment is something apply creates, so the deployment is planned with its future path. */
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { plan } from '../../src/commands/plan.ts'
import type { PlanDocument } from '../../src/plan/types.ts'
import { startTestHub, type TestHub } from '../support/hub-server.ts'
import { captureIo } from '../support/io.ts'
import { tinyGgufRepo, tinyMlxRepo } from '../support/tiny-models.ts'

describe('missing engines in plan', () => {
  let hub: TestHub
  beforeAll(async () => {
    hub = await startTestHub({ repos: [tinyMlxRepo(), tinyGgufRepo()] })
  })
  afterAll(async () => hub.close())

  it('errors for a missing binary, plans a pinned Python engine for apply to install', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fleet-engines-'))
    writeFileSync(
      join(dir, 'fleet.yaml'),
      `version: 1
engines:
  llama.cpp: { path: /nonexistent/llama-server }
  mlx-lm: { python: mlx-lm==0.32.0 }
machines:
  box: { chip: m4-max, memory: 128GB, serviceManager: process }
models:
  g: { source: hf:test-org/Tiny-Llama-GGUF, quant: Q8_0 }
  m: { source: hf:test-org/Tiny-Llama-4bit }
deployments:
  llama: { machine: box, model: g, engine: llama.cpp, port: 18080 }
  mlx: { machine: box, model: m, engine: mlx-lm, port: 18081 }
  web: { machine: box, engine: command, port: 18082, options: { command: [no-such-program-xyz] } }
`,
    )
    const run = captureIo({ HF_ENDPOINT: hub.url, FLEET_STATE_DIR: join(dir, 'state'), HOME: dir, PATH: '/usr/bin:/bin' })
    expect(await plan({ file: 'fleet.yaml', json: true, offline: false, cwd: dir }, run.io)).toBe(1)
    const doc = JSON.parse(run.out()) as PlanDocument
    expect(doc.diagnostics).toContainEqual(
      expect.objectContaining({ code: 'engine-missing', severity: 'error', path: 'deployments.llama.engine', message: expect.stringContaining('/nonexistent/llama-server does not exist') }),
    )
    expect(doc.diagnostics).toContainEqual(expect.objectContaining({ code: 'engine-missing', path: 'deployments.web.engine', message: expect.stringContaining('the program of web was not found') }))
    expect(doc.diagnostics).toContainEqual(expect.objectContaining({ code: 'engine-to-install', severity: 'info', path: 'deployments.mlx.engine' }))
    // The Python engine's deployment is planned, with the executable apply will create.
    expect(doc.changes).toContainEqual(expect.objectContaining({ name: 'mlx', action: 'create' }))
    expect(doc.changes.map((c) => c.name)).not.toContain('llama')
  })
})
