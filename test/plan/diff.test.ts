/**
 * The plan stage's diff against the live state: the typed steps apply executes for each case, the reasons rendered
 * from them for people, and the fingerprint a saved plan carries.
 */
import { describe, expect, it } from 'vitest'
import { diffServices as computeChanges, observationFingerprint, rankChange } from '../../src/plan/diff.ts'
import type { DesiredService } from '../../src/plan/desired.ts'
import type { MachineObservation, ObservedService } from '../../src/plan/observation.ts'
import { specHash } from '../../src/util/spec-hash.ts'
import type { Deployment } from '../../src/config/types.ts'
import type { ServiceSpec, ServiceState } from '../../src/services/types.ts'

const spec = (name: string, overrides: Partial<ServiceSpec> = {}): ServiceSpec => ({
  label: `dev.fleet.${name}`,
  deployment: name,
  program: '/opt/homebrew/bin/llama-server',
  args: ['-m', `/cache/models--org--m/snapshots/aaa/m-Q4_K_M.gguf`, '--port', '8080'],
  env: { PATH: '/usr/bin', HF_HUB_OFFLINE: '1' },
  workingDirectory: `/state/deployments/${name}`,
  stdoutPath: `/logs/${name}.out.log`,
  stderrPath: `/logs/${name}.err.log`,
  throttleSeconds: 10,
  exitTimeoutSeconds: 60,
  numberOfFiles: 8192,
  ...overrides,
})

const desired = (s: ServiceSpec): DesiredService => ({
  deployment: { name: s.deployment, port: 8080 } as Deployment,
  spec: s,
  hash: specHash(s),
  port: 8080,
  readiness: { kind: 'http', url: 'http://127.0.0.1:8080/health', okStatus: 200 },
  warmup: null,
  model: { name: 'm', repo: 'org/m', commit: 'aaa', revision: 'main', files: [] },
  readinessTimeoutMs: 1000,
})

const running: ServiceState = { label: '', loaded: true, running: true, pid: 42, lastExitCode: null, startedAt: null, restarts: 0 }
type Observed = ObservedService & { readonly filesPresent: boolean }
const observed = (s: ServiceSpec | null, state: Partial<ServiceState> = {}, extra: Partial<Observed> = {}): Observed => ({
  label: s?.label ?? 'x',
  state: { ...running, label: s?.label ?? 'x', ...state },
  installed: s,
  filesPresent: true,
  healthy: true,
  ...extra,
})
/** The observation of a machine with these services; the model org/m@aaa is complete unless one says its files are not. */
const machine = (...services: Observed[]): MachineObservation => ({
  machine: 'studio',
  backend: 'process',
  services: new Map(services.map(({ filesPresent: _, ...o }) => [o.label, o])),
  missingBytes: new Map([['org/m@aaa', services.every((o) => o.filesPresent) ? 0 : 1000]]),
  freeBytes: 1e12,
  wiredLimit: null,
})

describe('computeChanges', () => {
  it('nothing to do when the installed definition runs and answers', () => {
    const s = spec('chat')
    expect(computeChanges([desired(s)], machine(observed(s)))).toMatchObject([{ kind: 'deployment', name: 'chat', machine: 'studio', action: 'noop', reasons: [], steps: [], installed: s }])
  })

  it('creates what is not installed, and says the weights must be downloaded', () => {
    const s = spec('chat')
    const [change] = computeChanges([desired(s)], machine({ ...observed(null, { loaded: false, running: false }), label: s.label, filesPresent: false }))
    expect(change).toMatchObject({ action: 'create', reasons: ['not installed', 'weights to download'], installed: null })
    expect(change!.steps).toEqual([
      { step: 'pull', repo: 'org/m', commit: 'aaa', why: 'not-cached' },
      { step: 'install', label: 'dev.fleet.chat', fresh: true, differences: [] },
    ])
    expect(change!.service?.spec).toEqual(s)
  })

  it('updates in place when flags change, naming the flag', () => {
    const before = spec('chat')
    const after = spec('chat', { args: ['-m', `/cache/models--org--m/snapshots/aaa/m-Q4_K_M.gguf`, '--port', '8090'] })
    const [change] = computeChanges([desired(after)], machine(observed(before)))
    expect(change).toMatchObject({ action: 'update', reasons: ['engine flags changed (--port 8080 → 8090)'] })
    expect(change!.steps).toEqual([{ step: 'install', label: 'dev.fleet.chat', fresh: false, differences: [{ field: 'args', before: before.args, after: after.args }] }])
    const moved = spec('chat', { env: { PATH: '/bin', HF_HUB_OFFLINE: '1', EXTRA: '1' }, numberOfFiles: 1 })
    expect(computeChanges([desired(moved)], machine(observed(before)))[0]).toMatchObject({
      reasons: ['environment changed (EXTRA, PATH)', 'restart policy changed'],
      steps: [{ step: 'install', differences: [{ field: 'env', keys: ['EXTRA', 'PATH'] }, { field: 'restart-policy' }] }],
    })
  })

  it('replaces when the model revision or the engine changes', () => {
    const before = spec('chat')
    const newModel = spec('chat', { args: ['-m', `/cache/models--org--m/snapshots/bbb/m-Q4_K_M.gguf`, '--port', '8080'] })
    expect(computeChanges([desired(newModel)], machine(observed(before)))[0]).toMatchObject({
      action: 'replace',
      reasons: ['model revision changed'],
      steps: [{ step: 'replace', what: 'model-revision' }],
      installed: before,
    })
    const newEngine = spec('chat', { program: '/venv/bin/mlx_lm.server' })
    expect(computeChanges([desired(newEngine)], machine(observed(before)))[0]).toMatchObject({
      action: 'replace',
      reasons: ['engine changed (/opt/homebrew/bin/llama-server → /venv/bin/mlx_lm.server)'],
      steps: [{ step: 'replace', what: 'engine', before: before.program, after: newEngine.program }],
    })
  })

  it('restarts what crashed, is not loaded, lost its files, or does not answer', () => {
    const s = spec('chat')
    const restart = (cause: string, lastExitCode: number | null = null) => ({ step: 'restart', label: 'dev.fleet.chat', cause, lastExitCode, port: 8080 })
    expect(computeChanges([desired(s)], machine(observed(s, { running: false, pid: null, lastExitCode: 1 })))[0]).toMatchObject({
      action: 'update',
      reasons: ['crashed (last exit code 1)'],
      steps: [restart('crashed', 1)],
    })
    expect(computeChanges([desired(s)], machine(observed(s, { loaded: false, running: false })))[0]).toMatchObject({
      action: 'update',
      reasons: ['service not loaded'],
      steps: [restart('not-loaded')],
    })
    expect(computeChanges([desired(s)], machine(observed(s, { running: false, pid: null, lastExitCode: 0 })))[0]).toMatchObject({ reasons: ['not running'], steps: [restart('not-running', 0)] })
    expect(computeChanges([desired(s)], machine(observed(s, {}, { filesPresent: false })))[0]).toMatchObject({
      action: 'update',
      reasons: ['files missing'],
      steps: [{ step: 'pull', why: 'files-missing' }, restart('files-missing')],
    })
    expect(computeChanges([desired(s)], machine(observed(s, {}, { healthy: false })))[0]).toMatchObject({
      action: 'update',
      reasons: ['not answering on port 8080'],
      steps: [restart('not-answering')],
    })
  })

  it('destroys fleet services that are no longer declared, before anything starts', () => {
    const old = spec('old')
    expect(computeChanges([], machine(observed(old)))).toEqual([
      { kind: 'deployment', name: 'old', machine: 'studio', action: 'delete', reasons: ['no longer declared'], steps: [{ step: 'delete', label: 'dev.fleet.old' }], service: null, installed: old },
    ])
    const fresh = spec('chat')
    expect(computeChanges([desired(fresh)], machine(observed(old))).map((c) => c.action)).toEqual(['delete', 'create'])
  })

  it('never deletes a declared deployment that cannot be deployed right now (e.g. its engine is missing)', () => {
    const s = spec('chat')
    expect(computeChanges([], machine(observed(s)), new Set(['dev.fleet.chat']))).toEqual([])
  })
})

describe('observationFingerprint', () => {
  it('changes when the world or the wish changes, not otherwise', () => {
    const s = spec('chat')
    const base = observationFingerprint([desired(s)], machine(observed(s)))
    expect(observationFingerprint([desired(s)], machine(observed(s)))).toBe(base)
    expect(observationFingerprint([desired(s)], machine(observed(s, { running: false })))).not.toBe(base)
    expect(observationFingerprint([desired(spec('chat', { numberOfFiles: 1 }))], machine(observed(s)))).not.toBe(base)
    expect(observationFingerprint([desired(s)], machine(observed(s, {}, { filesPresent: false })))).not.toBe(base)
  })
})

describe('rankChange (a machine that is a rank of a deployment across machines)', () => {
  const rank = { deployment: 'big', role: 'rank' as const, rank: 1, of: 2, head: 'ultra-a', machines: ['ultra-a', 'ultra-b'] }
  const model = { name: 'm', repo: 'org/m', commit: 'aaa', revision: null, files: [] }
  const observed = (missing: number): MachineObservation => ({
    machine: 'ultra-b',
    backend: 'process',
    services: new Map(),
    missingBytes: new Map([['org/m@aaa', missing]]),
    freeBytes: 0,
    wiredLimit: null,
  })
  const r = { deployment: { name: 'big', engine: 'mlx-lm' } as Deployment, rank, model }

  it('pulls the model when this machine misses it, and is a no-op once it is here', () => {
    expect(rankChange(r, observed(10))).toMatchObject({
      action: 'create',
      service: null,
      steps: [{ step: 'pull', repo: 'org/m', commit: 'aaa' }],
      reasons: [expect.any(String), 'rank 1 of 2, started by ultra-a'],
    })
    expect(rankChange(r, observed(0))).toMatchObject({ action: 'noop', steps: [], reasons: [] })
  })

  it('is a change when the engine apply installs itself is not here yet, even with the model cached', () => {
    expect(rankChange(r, observed(0), true)).toMatchObject({ action: 'create', steps: [], reasons: ['installs mlx-lm here, at the path the head runs', 'rank 1 of 2, started by ultra-a'] })
  })
})
