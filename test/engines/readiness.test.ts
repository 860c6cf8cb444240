/**
 * waitUntilReady and sendWarmup against the engine-shaped fixtures, run as real processes with the exact command
 * lines engineLaunch builds. Load delays are a few hundred ms; timeouts stay under 2 s.
 */
import { describe, expect, it } from 'vitest'
import { sendWarmup, waitUntilReady } from '../../src/engines/runtime/readiness.ts'
import { freePort } from '../support/engine-fixtures/index.ts'
import { commandOptions, deployment, inputs, llamaOptions, mlxOptions, paths, vllmOptions } from './inputs.ts'
import { startEngine } from './running.ts'

const FAST = { intervalMs: 50 }
const gguf = paths({ modelFiles: ['/models/m-Q4_K_M.gguf'] })
const llama = (port: number) => inputs(deployment('coder', llamaOptions(), { port }), { paths: gguf })

function observing(): { seen: string[]; onAttempt: (o: string) => void } {
  const seen: string[] = []
  return { seen, onAttempt: (o) => seen.push(o) }
}

describe('llama.cpp', () => {
  it('waits through 503 "Loading model" until /health answers 200, then warms up', async () => {
    const { launch } = await startEngine(llama, { FIXTURE_LOAD_MS: '300' })
    const { seen, onAttempt } = observing()
    const result = await waitUntilReady(launch.readiness, { timeoutMs: 5000, ...FAST, onAttempt })
    expect(result).toMatchObject({ ok: true })
    expect(seen.some((s) => s.includes('answered 503') && s.includes('Loading model'))).toBe(true)
    expect(await sendWarmup(launch.warmup!, { timeoutMs: 2000 })).toMatchObject({ ok: true })
  })

  it('takes connection refused while the server starts as normal', async () => {
    const { launch } = await startEngine(llama, { FIXTURE_LISTEN_DELAY_MS: '300', FIXTURE_LOAD_MS: '100' })
    const { seen, onAttempt } = observing()
    expect(await waitUntilReady(launch.readiness, { timeoutMs: 5000, ...FAST, onAttempt })).toMatchObject({ ok: true })
    expect(seen[0]).toMatch(/connection refused/)
  })

  it('times out with the last answer as the reason when the model never loads', async () => {
    const { launch } = await startEngine(llama, { FIXTURE_NEVER_READY: '1' })
    const result = await waitUntilReady(launch.readiness, { timeoutMs: 800, ...FAST })
    expect(result).toMatchObject({ ok: false, cause: 'timeout' })
    expect(!result.ok && result.reason).toMatch(/not ready after 0\.8 s: GET http:\/\/127\.0\.0\.1:\d+\/health answered 503 .*Loading model/)
  })

  it('reports connection refused after a crash, or stops at once when told the process exited', async () => {
    const crashed = await startEngine(llama, { FIXTURE_NEVER_READY: '1', FIXTURE_CRASH_AFTER_MS: '150' })
    const timedOut = await waitUntilReady(crashed.launch.readiness, { timeoutMs: 1000, ...FAST })
    expect(timedOut).toMatchObject({ ok: false, cause: 'timeout' })
    expect(!timedOut.ok && timedOut.reason).toMatch(/connection refused/)
    expect(await crashed.server.exited).toBe(1)

    const again = await startEngine(llama, { FIXTURE_NEVER_READY: '1', FIXTURE_CRASH_AFTER_MS: '150' })
    const exited = await waitUntilReady(again.launch.readiness, { timeoutMs: 5000, ...FAST, stillRunning: () => again.server.isRunning() })
    expect(exited).toMatchObject({ ok: false, cause: 'exited' })
    expect(!exited.ok && exited.afterMs).toBeLessThan(2000)
  })

  it('keeps polling a server that answers the wrong status, and stops when aborted', async () => {
    const { launch } = await startEngine(llama, { FIXTURE_LOAD_MS: '0' })
    if (launch.readiness.kind !== 'http') throw new Error('expected an http probe')
    // Up first (a loaded CI box can take longer than the short timeout below just to start node), then the wrong status.
    expect(await waitUntilReady(launch.readiness, { timeoutMs: 10_000, ...FAST })).toMatchObject({ ok: true })
    const wrong = await waitUntilReady({ ...launch.readiness, okStatus: 204 }, { timeoutMs: 1500, ...FAST })
    expect(wrong).toMatchObject({ ok: false, cause: 'timeout' })
    expect(!wrong.ok && wrong.reason).toMatch(/answered 200/)
    const aborted = await waitUntilReady({ ...launch.readiness, okStatus: 204 }, { timeoutMs: 5000, ...FAST, signal: AbortSignal.timeout(200) })
    expect(aborted).toMatchObject({ ok: false, cause: 'aborted' })
  })
})

describe('mlx-lm', () => {
  const mlx = (port: number) => inputs(deployment('chat', mlxOptions(), { port }))

  it('is not fooled by /health: waits for the one-token completion, which the fixture holds until loaded', async () => {
    const { launch, port } = await startEngine(mlx, { FIXTURE_LOAD_MS: '400' })
    const started = performance.now()
    const result = await waitUntilReady(launch.readiness, { timeoutMs: 5000, ...FAST })
    expect(result).toMatchObject({ ok: true })
    expect(performance.now() - started).toBeGreaterThan(250)
    const health = await fetch(`http://127.0.0.1:${port}/health`)
    expect(health.status).toBe(200)
    expect(await sendWarmup(launch.warmup!, { timeoutMs: 2000 })).toMatchObject({ ok: true })
  })

  it('polls completions that fail while loading', async () => {
    const { launch } = await startEngine(mlx, { FIXTURE_LOAD_MS: '300', FIXTURE_MLX_WHILE_LOADING: 'fail' })
    const { seen, onAttempt } = observing()
    expect(await waitUntilReady(launch.readiness, { timeoutMs: 5000, ...FAST, onAttempt })).toMatchObject({ ok: true })
    expect(seen.some((s) => s.includes('answered 500'))).toBe(true)
  })

  it('times out when the completion never comes back', async () => {
    const { launch } = await startEngine(mlx, { FIXTURE_NEVER_READY: '1' })
    const result = await waitUntilReady(launch.readiness, { timeoutMs: 700, ...FAST })
    expect(result).toMatchObject({ ok: false, cause: 'timeout' })
    expect(!result.ok && result.reason).toMatch(/no answer within/)
  })
})

describe('vllm-mlx', () => {
  it('waits for model_loaded: true on /health, then warms up under the served name', async () => {
    const { launch } = await startEngine((port) => inputs(deployment('batch', vllmOptions(), { port, parallel: 4 })), { FIXTURE_LOAD_MS: '300' })
    const { seen, onAttempt } = observing()
    expect(await waitUntilReady(launch.readiness, { timeoutMs: 5000, ...FAST, onAttempt })).toMatchObject({ ok: true })
    expect(seen.some((s) => s.includes('model_loaded is false, waiting for true'))).toBe(true)
    expect(await sendWarmup(launch.warmup!, { timeoutMs: 2000 })).toMatchObject({ ok: true })
  })
})

describe('command', () => {
  it('is ready when the health URL answers any 2xx', async () => {
    const options = commandOptions({ command: ['ignored', '--port', '{port}', '--health-path', '/healthz'], healthUrl: 'http://127.0.0.1:{port}/healthz' })
    const { launch } = await startEngine((port) => inputs(deployment('app', options, { port, model: null }), { paths: paths({ snapshotDir: null }) }), { FIXTURE_LOAD_MS: '200' })
    const { seen, onAttempt } = observing()
    expect(await waitUntilReady(launch.readiness, { timeoutMs: 5000, ...FAST, onAttempt })).toMatchObject({ ok: true })
    expect(seen.some((s) => s.includes('answered 503'))).toBe(true)
    expect(launch.warmup).toBeNull()
  })
})

it('a warm-up against nothing fails with a reason instead of throwing', async () => {
  const result = await sendWarmup({ url: `http://127.0.0.1:${await freePort()}/v1/chat/completions`, body: {} }, { timeoutMs: 500 })
  expect(result).toMatchObject({ ok: false, reason: expect.stringMatching(/connection refused/) })
})

it('keeps the last real answer as the reason when the deadline leaves the final attempt only a moment', async () => {
  // A fetch that answers 503 until 300 ms have passed, then never answers: the final attempt is cut by the deadline.
  const started = performance.now()
  const fetch: typeof globalThis.fetch = async (_url, init) => {
    if (performance.now() - started < 300) return new Response('Loading model', { status: 503 })
    return new Promise((_resolve, reject) => init?.signal?.addEventListener('abort', () => reject(init.signal?.reason)))
  }
  const probe = { kind: 'http', url: 'http://127.0.0.1:9/health', okStatus: 200 } as const
  const result = await waitUntilReady(probe, { timeoutMs: 340, intervalMs: 60, fetch })
  expect(result).toMatchObject({ ok: false, cause: 'timeout' })
  expect(!result.ok && result.reason).toMatch(/answered 503 .*Loading model/)
})
