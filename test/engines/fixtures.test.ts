/** The engine fixtures themselves: they record what they were started with, and behave like the engines they stand in for. */
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { waitUntilReady } from '../../src/engines/runtime/readiness.ts'
import { freePort, startFixture } from '../support/engine-fixtures/index.ts'
import { deployment, inputs, llamaOptions, mlxOptions, ollamaOptions, paths } from './inputs.ts'
import { startEngine, tempDir } from './running.ts'

interface Recorded {
  engine: string
  argv: string[]
  env: Record<string, string>
  host: string
  port: number
}

async function recorded(file: string): Promise<Recorded> {
  return JSON.parse(await readFile(file, 'utf8')) as Recorded
}

describe('recording', () => {
  it('llama-server records exactly the argv and environment the launch gave it', async () => {
    const record = join(await tempDir(), 'record.json')
    const { launch, port } = await startEngine((p) => inputs(deployment('coder', llamaOptions(), { port: p }), { paths: paths({ modelFiles: ['/m.gguf'] }) }), {
      FLEET_FIXTURE_RECORD: record,
      FIXTURE_LOAD_MS: '0',
    })
    expect(await waitUntilReady(launch.readiness, { timeoutMs: 5000, intervalMs: 50 })).toMatchObject({ ok: true })
    const seen = await recorded(record)
    expect(seen).toMatchObject({ engine: 'llama-server', argv: [...launch.args], host: '127.0.0.1', port })
  })

  it('ollama records its OLLAMA_* environment and listens where OLLAMA_HOST says', async () => {
    const record = join(await tempDir(), 'record.json')
    const { launch, port } = await startEngine((p) => inputs(deployment('chat', ollamaOptions(), { port: p, parallel: 3 }), { paths: paths({ modelFiles: ['/m.gguf'], stateDir: '/state/chat' }) }), {
      FLEET_FIXTURE_RECORD: record,
    })
    const version = await waitUntilReady({ kind: 'http', url: `http://127.0.0.1:${port}/api/version`, okStatus: 200 }, { timeoutMs: 5000, intervalMs: 50 })
    expect(version).toMatchObject({ ok: true })
    const seen = await recorded(record)
    expect(seen.argv).toEqual(['serve'])
    expect(seen.port).toBe(port)
    expect(seen.env).toMatchObject(launch.env)
    expect(seen.env.OLLAMA_NUM_PARALLEL).toBe('3')
  })
})

describe('behaviour', () => {
  it('exits 0 on SIGTERM', async () => {
    const port = await freePort()
    const app = startFixture('command', ['--port', String(port)], { FIXTURE_LOAD_MS: '0' })
    expect(await waitUntilReady({ kind: 'http', url: `http://127.0.0.1:${port}/`, okStatus: 0 }, { timeoutMs: 5000, intervalMs: 50 })).toMatchObject({ ok: true })
    expect(await app.stop()).toBe(0)
  })

  it('mlx_lm.server stand-in refuses a request that names an HF model, as the real one would switch models', async () => {
    const { launch, port } = await startEngine((p) => inputs(deployment('chat', mlxOptions(), { port: p })), { FIXTURE_LOAD_MS: '0' })
    expect(await waitUntilReady(launch.readiness, { timeoutMs: 5000, intervalMs: 50 })).toMatchObject({ ok: true })
    const response = await fetch(`http://127.0.0.1:${port}/v1/completions`, {
      method: 'POST',
      body: JSON.stringify({ model: 'mlx-community/Qwen3-4B-4bit', prompt: 'x', max_tokens: 1 }),
    })
    expect(response.status).toBe(400)
  })

  it('the ollama stand-in only runs as `ollama serve`, and vllm-mlx only as `vllm-mlx serve <model>`', async () => {
    expect(await startFixture('ollama', ['run', 'x']).exited).toBe(2)
    expect(await startFixture('vllm-mlx', ['serve', '--port', '1']).exited).toBe(2)
  })
})
