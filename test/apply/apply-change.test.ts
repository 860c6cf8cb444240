/**
 * applyChange's execution of a change's typed steps with an in-memory service backend (a stand-in for the adapter, not
 * for fleet's logic): the order of steps, a restart versus a reinstall, rollback to the previous definition when a
 * start fails or is interrupted, and that the reasons (text for people) play no part.
 */
import { describe, expect, it } from 'vitest'
import { ApplyFailure, applyChange, type ApplyPorts, type StepEvent } from '../../src/apply/apply.ts'
import { specHash } from '../../src/util/spec-hash.ts'
import type { Change, ChangeStep, PlannedService } from '../../src/plan/types.ts'
import type { ServiceBackend, ServiceSpec, ServiceState } from '../../src/services/types.ts'

class MemoryBackend implements ServiceBackend {
  readonly kind = 'process' as const
  readonly installed = new Map<string, ServiceSpec>()
  readonly calls: string[] = []
  async install(spec: ServiceSpec): Promise<void> {
    this.calls.push(`install ${spec.label} ${spec.args.join(' ')}`)
    this.installed.set(spec.label, spec)
  }
  async remove(label: string): Promise<void> {
    this.calls.push(`remove ${label}`)
    this.installed.delete(label)
  }
  async restart(label: string): Promise<void> {
    this.calls.push(`restart ${label}`)
  }
  async state(label: string): Promise<ServiceState> {
    const loaded = this.installed.has(label)
    return { label, loaded, running: loaded, pid: loaded ? 1 : null, lastExitCode: null, startedAt: null, restarts: 0 }
  }
  async list(): Promise<string[]> {
    return [...this.installed.keys()]
  }
  async installedSpec(label: string): Promise<ServiceSpec | null> {
    return this.installed.get(label) ?? null
  }
}

const spec = (port: number): ServiceSpec => ({
  label: 'dev.fleet.chat',
  deployment: 'chat',
  program: '/bin/server',
  args: ['--port', String(port)],
  env: {},
  workingDirectory: '/w',
  stdoutPath: '/l/chat.out.log',
  stderrPath: '/l/chat.err.log',
  throttleSeconds: 1,
  exitTimeoutSeconds: 5,
  numberOfFiles: 256,
})
const desired = (s: ServiceSpec, withModel = true): PlannedService => ({
  spec: s,
  hash: specHash(s),
  port: 8080,
  readiness: { kind: 'http', url: 'http://127.0.0.1:1/health', okStatus: 200 },
  warmup: { url: 'http://127.0.0.1:1/v1/chat/completions', body: {} },
  model: withModel ? { name: 'm', repo: 'org/m', commit: 'a'.repeat(40), revision: null, files: [] } : null,
  readinessTimeoutMs: 1000,
})

function ports(backend: MemoryBackend, ready: boolean, log: string[] = []): ApplyPorts {
  return {
    backend,
    pull: async (model) => void log.push(`pull ${model.repo}`),
    preflight: async () => [],
    writeFiles: (files) => void log.push(...files.map((f) => `write ${f.path}`)),
    waitUntilReady: async () => (ready ? { ok: true } : { ok: false, reason: 'no answer on 127.0.0.1:8080 within 1 s' }),
    warmup: async () => void log.push('warmup'),
    logOffsets: () => ({}),
    logTail: () => 'ggml_metal_init: error: out of memory',
    prepareDirectories: () => void log.push('mkdir'),
  }
}

const PULL: ChangeStep = { step: 'pull', repo: 'org/m', commit: 'a'.repeat(40), why: 'not-cached' }
const INSTALL: ChangeStep = { step: 'install', label: 'dev.fleet.chat', fresh: true, differences: [] }
// Reasons deliberately say nothing that matches the steps: apply must act on the steps alone.
const change = (action: Change['action'], steps: ChangeStep[], service: PlannedService | null, installed: ServiceSpec | null = null): Change => ({
  kind: 'deployment',
  name: 'chat',
  machine: 'studio',
  action,
  reasons: ['(words for people)'],
  steps,
  service,
  installed,
})

describe('applyChange', () => {
  it('creates: pull, install, wait, warm up — in that order', async () => {
    const backend = new MemoryBackend()
    const log: string[] = []
    const events: StepEvent[] = []
    await applyChange(change('create', [PULL, INSTALL], desired(spec(8080))), ports(backend, true, log), (e) => events.push(e))
    expect(events.map((e) => e.step)).toEqual(['pull', 'install', 'ready', 'warmup'])
    expect(log).toEqual(['pull org/m', 'mkdir', 'warmup'])
    expect(backend.calls).toEqual(['install dev.fleet.chat --port 8080'])
  })

  it('restarts a crashed service whose definition did not change', async () => {
    const backend = new MemoryBackend()
    await backend.install(spec(8080))
    backend.calls.length = 0
    const s = spec(8080)
    await applyChange(change('update', [{ step: 'restart', label: s.label, cause: 'crashed', lastExitCode: 1, port: 8080 }], desired(s), s), ports(backend, true), () => {})
    expect(backend.calls).toEqual(['restart dev.fleet.chat'])
  })

  it('rolls back to the previous definition when the new one never becomes ready, with the log tail', async () => {
    const backend = new MemoryBackend()
    const before = spec(8080)
    await backend.install(before)
    const install: ChangeStep = { step: 'install', label: before.label, fresh: false, differences: [{ field: 'args', before: before.args, after: spec(8090).args }] }
    const failure = applyChange(change('update', [install], desired(spec(8090)), before), ports(backend, false), () => {})
    await expect(failure).rejects.toBeInstanceOf(ApplyFailure)
    await expect(failure).rejects.toThrow(/did not become ready: no answer .*rolled back.*\nlast log lines:\nggml_metal_init: error: out of memory/s)
    expect(backend.installed.get('dev.fleet.chat')!.args).toEqual(['--port', '8080'])
    expect(backend.calls.slice(1)).toEqual(['install dev.fleet.chat --port 8090', 'install dev.fleet.chat --port 8080'])
  })

  it('fails, and rolls back, when the port answers but the new server is not running', async () => {
    const backend = new MemoryBackend()
    backend.state = async (label) => ({ label, loaded: true, running: false, pid: null, lastExitCode: 1, startedAt: null, restarts: 1 })
    await expect(applyChange(change('create', [INSTALL], desired(spec(8080), false)), ports(backend, true), () => {})).rejects.toThrow(
      /is not running \(last exit code 1\); is another program using port 8080/,
    )
    expect(backend.installed.size).toBe(0)
  })

  it('rolls back when installing itself throws, whatever the error', async () => {
    const backend = new MemoryBackend()
    backend.install = async () => {
      throw new Error('EACCES: permission denied, mkdir /w')
    }
    await expect(applyChange(change('create', [INSTALL], desired(spec(8080), false)), ports(backend, true), () => {})).rejects.toThrow(/did not become ready: EACCES/)
    expect(backend.calls).toContain('remove dev.fleet.chat')
  })

  it('removes a new service that never becomes ready', async () => {
    const backend = new MemoryBackend()
    await expect(applyChange(change('create', [INSTALL], desired(spec(8080), false)), ports(backend, false), () => {})).rejects.toThrow(/removed it again/)
    expect(backend.installed.size).toBe(0)
  })

  it('deletes what is no longer declared', async () => {
    const backend = new MemoryBackend()
    await backend.install(spec(8080))
    await applyChange(change('delete', [{ step: 'delete', label: 'dev.fleet.chat' }], null, spec(8080)), ports(backend, true), () => {})
    expect(backend.installed.size).toBe(0)
  })

  it('does nothing for a change without steps (noop), whatever its reasons say', async () => {
    const backend = new MemoryBackend()
    await applyChange({ ...change('noop', [], desired(spec(8080))), reasons: ['not installed', 'weights to download'] }, ports(backend, true), () => {})
    expect(backend.calls).toEqual([])
  })

  it('an interrupt while the new server loads rolls back to the previous definition', async () => {
    const backend = new MemoryBackend()
    const before = spec(8080)
    await backend.install(before)
    const controller = new AbortController()
    const slow: ApplyPorts = {
      ...ports(backend, true),
      // The real readiness poll returns "aborted" when the signal fires; this one waits for it.
      waitUntilReady: (_service, options) => new Promise((resolve) => options.signal?.addEventListener('abort', () => resolve({ ok: false, reason: 'stopped waiting' }))),
    }
    const install: ChangeStep = { step: 'install', label: before.label, fresh: false, differences: [{ field: 'args', before: before.args, after: spec(8090).args }] }
    const applying = applyChange(change('update', [install], desired(spec(8090)), before), slow, () => {}, controller.signal)
    setTimeout(() => controller.abort(), 20)
    await expect(applying).rejects.toThrow(/chat was interrupted before it became ready; rolled back to the definition that was running before/)
    expect(backend.installed.get('dev.fleet.chat')!.args).toEqual(['--port', '8080'])
  })

  it('an interrupt during the download changes nothing', async () => {
    const backend = new MemoryBackend()
    const controller = new AbortController()
    const p = ports(backend, true)
    const pulling: ApplyPorts = {
      ...p,
      pull: async () => {
        controller.abort()
      },
    }
    await expect(applyChange(change('create', [PULL, INSTALL], desired(spec(8080))), pulling, () => {}, controller.signal)).rejects.toThrow(/was not changed: interrupted/)
    expect(backend.calls).toEqual([])
  })
})

describe('applyChange across machines', () => {
  const rank = { deployment: 'chat', rank: 1, of: 2, head: 'ultra-a', machines: ['ultra-a', 'studio'] }
  const model = { name: 'm', repo: 'org/m', commit: 'a'.repeat(40), revision: null, files: [] }

  it("a rank's part is only its pull: no service is installed on that machine", async () => {
    const backend = new MemoryBackend()
    const log: string[] = []
    const events: StepEvent[] = []
    await applyChange({ ...change('create', [PULL], null), rank: { ...rank, role: 'rank' }, model }, ports(backend, true, log), (e) => events.push(e))
    expect(log).toEqual(['pull org/m'])
    expect(events.map((e) => e.message)).toEqual([`pulling org/m@${'a'.repeat(12)} for rank 1 of 2 (started by ultra-a)`])
    expect(backend.calls).toEqual([])
  })

  it('the head checks every rank first and changes nothing when one is unreachable', async () => {
    const backend = new MemoryBackend()
    const log: string[] = []
    const head: PlannedService = {
      ...desired(spec(8080)),
      files: [{ path: '/state/hostfile-1.json', content: '{}' }],
      preflight: [{ kind: 'ssh', machine: 'studio', host: 'studio.local', executables: ['/venv/bin/mlx_lm.server'] }],
    }
    const failing: ApplyPorts = { ...ports(backend, true, log), preflight: async () => ['ultra-a cannot reach studio with ssh studio.local without a password (auth)'] }
    await expect(applyChange({ ...change('create', [INSTALL], head), rank: { ...rank, rank: 0, role: 'head' } }, failing, () => {})).rejects.toThrow(
      /chat was not changed: ultra-a cannot reach studio with ssh studio.local without a password/,
    )
    expect(backend.calls).toEqual([])
    expect(log).toEqual([])
    // Reachable: the hostfile is written before the launcher is installed.
    await applyChange({ ...change('create', [INSTALL], head), rank: { ...rank, rank: 0, role: 'head' } }, ports(backend, true, log), () => {})
    expect(log.slice(0, 2)).toEqual(['write /state/hostfile-1.json', 'mkdir'])
    expect(backend.calls).toEqual(['install dev.fleet.chat --port 8080'])
  })
})
