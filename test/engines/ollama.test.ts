/**
 * Ollama's post-start steps against the Ollama fixture run as `ollama serve` with engineLaunch's environment:
 * push the GGUF blob if HEAD says it is missing, POST /api/create, preload with /api/generate, and see /api/ps list it.
 */
import { createHash, randomBytes } from 'node:crypto'
import { mkdir, symlink, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { createOllamaModel, fileSha256, keepAliveValue, keepsLoaded } from '../../src/engines/runtime/ollama-setup.ts'
import { waitUntilReady } from '../../src/engines/runtime/readiness.ts'
import type { EngineInputs } from '../../src/engines/types.ts'
import { deployment, ggufFacts, inputs, ollamaOptions, paths } from './inputs.ts'
import { startEngine, tempDir } from './running.ts'

const FAST = { intervalMs: 50 }

interface Gguf {
  readonly snapshot: string
  readonly path: string
  readonly sha256: string
}

async function ggufFile(): Promise<Gguf> {
  const snapshot = join(await tempDir(), 'snapshot')
  await mkdir(snapshot)
  const bytes = Buffer.concat([Buffer.from('GGUF'), randomBytes(256 * 1024)])
  const path = join(snapshot, 'm-Q4_K_M.gguf')
  await writeFile(path, bytes)
  return { snapshot, path, sha256: createHash('sha256').update(bytes).digest('hex') }
}

function ollamaInputs(gguf: Gguf, sha256: string | null, stateDir: string, options = ollamaOptions()): (port: number) => EngineInputs {
  const facts = ggufFacts([{ path: 'm-Q4_K_M.gguf', bytes: 0, sha256, gitOid: '0'.repeat(40) }])
  return (port) => inputs(deployment('chat', options, { port, context: 4096 }), { facts, paths: paths({ snapshotDir: gguf.snapshot, modelFiles: [gguf.path], stateDir }) })
}

/** fetch that records "METHOD path" of every request. */
function countingFetch(): { fetch: typeof globalThis.fetch; requests: string[] } {
  const requests: string[] = []
  const counted: typeof globalThis.fetch = (input, init) => {
    requests.push(`${init?.method ?? 'GET'} ${new URL(String(input)).pathname}`)
    return globalThis.fetch(input, init)
  }
  return { fetch: counted, requests }
}

describe('ollama readiness', () => {
  it('creates fleet-<deployment> from the GGUF, preloads it and sees /api/ps list it', async () => {
    const gguf = await ggufFile()
    const state = await tempDir()
    const { launch, port } = await startEngine(ollamaInputs(gguf, gguf.sha256, state), { FIXTURE_LOAD_MS: '200', FIXTURE_LISTEN_DELAY_MS: '100' })
    const { fetch, requests } = countingFetch()
    const result = await waitUntilReady(launch.readiness, { timeoutMs: 5000, ...FAST, fetch })
    expect(result).toMatchObject({ ok: true })
    const digest = `sha256:${gguf.sha256}`
    expect(requests.filter((r) => !r.endsWith('/api/version'))).toEqual([`HEAD /api/blobs/${digest}`, `POST /api/blobs/${digest}`, 'POST /api/create', 'POST /api/generate', 'GET /api/ps'])
    const ps = (await (await globalThis.fetch(`http://127.0.0.1:${port}/api/ps`)).json()) as { models: { name: string; expires_at: string }[] }
    expect(ps.models.map((m) => m.name)).toEqual(['fleet-chat:latest'])
  })

  it('hashes the file when no sha256 is known, and pushes nothing the store already has', async () => {
    const gguf = await ggufFile()
    const { launch } = await startEngine(ollamaInputs(gguf, null, await tempDir()), { FIXTURE_LOAD_MS: '50' })
    if (launch.readiness.kind !== 'ollama' || !launch.readiness.create) throw new Error('expected an ollama probe with a model source')
    expect(await waitUntilReady(launch.readiness, { timeoutMs: 5000, ...FAST })).toMatchObject({ ok: true })
    const { fetch, requests } = countingFetch()
    await createOllamaModel(launch.readiness.baseUrl, 'fleet-other', launch.readiness.create, { fetch })
    expect(requests).toEqual([`HEAD /api/blobs/sha256:${gguf.sha256}`, 'POST /api/create'])
  })

  it('stops at once when Ollama refuses the blob (the file does not match its sha256)', async () => {
    const gguf = await ggufFile()
    const { launch } = await startEngine(ollamaInputs(gguf, 'f'.repeat(64), await tempDir()), { FIXTURE_LOAD_MS: '50' })
    const result = await waitUntilReady(launch.readiness, { timeoutMs: 5000, ...FAST })
    expect(result).toMatchObject({ ok: false, cause: 'refused', reason: expect.stringMatching(/failed \(400\): digest mismatch/) })
  })

  it('stops at once when the GGUF cannot be read', async () => {
    const gguf = await ggufFile()
    const missing = { ...gguf, path: join(gguf.snapshot, 'gone.gguf') }
    const { launch } = await startEngine(ollamaInputs(missing, null, await tempDir()), { FIXTURE_LOAD_MS: '50' })
    const result = await waitUntilReady(launch.readiness, { timeoutMs: 5000, ...FAST })
    expect(result).toMatchObject({ ok: false, cause: 'refused', reason: expect.stringMatching(/cannot read the model file/) })
  })

  it('times out naming the model when it never loads', async () => {
    const gguf = await ggufFile()
    const { launch } = await startEngine(ollamaInputs(gguf, gguf.sha256, await tempDir()), { FIXTURE_NEVER_READY: '1' })
    const result = await waitUntilReady(launch.readiness, { timeoutMs: 800, ...FAST })
    expect(result).toMatchObject({ ok: false, cause: 'timeout' })
    expect(!result.ok && result.reason).toMatch(/Ollama model fleet-chat\) not ready after 0\.8 s: no answer within/)
  })

  it('with keepAlive 0, is ready after the load without requiring /api/ps to list it', async () => {
    const gguf = await ggufFile()
    const { launch } = await startEngine(ollamaInputs(gguf, gguf.sha256, await tempDir(), ollamaOptions({ keepAlive: '0' })), { FIXTURE_LOAD_MS: '50' })
    expect(await waitUntilReady(launch.readiness, { timeoutMs: 5000, ...FAST })).toMatchObject({ ok: true })
  })
})

describe('ollama helpers', () => {
  it('reads the sha256 from an HF cache symlink without hashing the file', async () => {
    const dir = await tempDir()
    const name = 'c'.repeat(64)
    await mkdir(join(dir, 'blobs'))
    await mkdir(join(dir, 'snapshots'))
    await writeFile(join(dir, 'blobs', name), 'not really that content')
    await symlink(`../blobs/${name}`, join(dir, 'snapshots', 'm.gguf'))
    expect(await fileSha256({ name: 'm.gguf', path: join(dir, 'snapshots', 'm.gguf'), sha256: null })).toBe(name)
  })

  it('sends keep_alive as Ollama parses it', () => {
    expect(keepAliveValue('-1')).toBe(-1)
    expect(keepAliveValue('3600')).toBe(3600)
    expect(keepAliveValue('30m')).toBe('30m')
    expect([keepsLoaded('-1'), keepsLoaded('30m'), keepsLoaded('0'), keepsLoaded('0s')]).toEqual([true, true, false, false])
  })
})
