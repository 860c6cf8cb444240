/**
 * Command lines and environments of ollama serve, vllm-mlx serve and a command deployment.
 * Checked against: ollama/ollama envconfig/config.go @fb307609 (OLLAMA_HOST, OLLAMA_MODELS, OLLAMA_KEEP_ALIVE,
 * OLLAMA_NUM_PARALLEL, OLLAMA_CONTEXT_LENGTH, OLLAMA_KV_CACHE_TYPE, OLLAMA_FLASH_ATTENTION);
 * waybarrios/vllm-mlx vllm_mlx/cli.py serve_parser @4b654c09 (0.4.1): model, --served-model-name, --host, --port,
 * --max-num-seqs, --continuous-batching, --cache-memory-mb.
 */
import { describe, expect, it } from 'vitest'
import { engineLaunch } from '../../src/engines/index.ts'
import { InternalError } from '../../src/errors.ts'
import { SNAPSHOT, commandOptions, deployment, ggufFacts, inputs, llamaOptions, ollamaOptions, paths, vllmOptions } from './inputs.ts'

describe('ollama', () => {
  const gguf = `${SNAPSHOT}/sub/m-Q4_K_M.gguf`
  const sha = 'a'.repeat(64)
  const facts = ggufFacts([{ path: 'sub/m-Q4_K_M.gguf', bytes: 100, sha256: sha, gitOid: 'b'.repeat(40) }])

  it('runs `ollama serve` configured through the environment, with its own model store', () => {
    const d = deployment('chat', ollamaOptions({ flashAttention: false, keepAlive: '30m' }), { port: 11500, parallel: 2, context: 4096, kvCache: 'q8_0' })
    const launch = engineLaunch(inputs(d, { paths: paths({ modelFiles: [gguf], stateDir: '/Users/ada/.fleet/deployments/chat' }), facts, executable: '/opt/homebrew/bin/ollama' }))
    expect(launch.program).toBe('/opt/homebrew/bin/ollama')
    expect(launch.args).toEqual(['serve'])
    expect(launch.env).toEqual({
      OLLAMA_HOST: '127.0.0.1:11500',
      OLLAMA_MODELS: '/Users/ada/.fleet/deployments/chat/models',
      OLLAMA_KEEP_ALIVE: '30m',
      OLLAMA_NUM_PARALLEL: '2',
      OLLAMA_CONTEXT_LENGTH: '4096',
      OLLAMA_KV_CACHE_TYPE: 'q8_0',
      OLLAMA_FLASH_ATTENTION: '0',
    })
  })

  it('is ready once fleet-<deployment> is created from the GGUF (sha256 from the facts), preloaded and listed', () => {
    const d = deployment('chat', ollamaOptions(), { port: 11500, context: 8192 })
    const launch = engineLaunch(inputs(d, { paths: paths({ modelFiles: [gguf] }), facts }))
    expect(launch.env.OLLAMA_FLASH_ATTENTION).toBe('1')
    expect(launch.env.OLLAMA_KEEP_ALIVE).toBe('-1')
    expect(launch.readiness).toEqual({
      kind: 'ollama',
      baseUrl: 'http://127.0.0.1:11500',
      model: 'fleet-chat',
      create: { files: [{ name: 'm-Q4_K_M.gguf', path: gguf, sha256: sha }], parameters: { num_ctx: 8192 } },
      keepAlive: '-1',
    })
    expect(launch.warmup?.body.model).toBe('fleet-chat')
  })

  it('brackets an IPv6 bind in OLLAMA_HOST and leaves sha256 null when no facts know it', () => {
    const launch = engineLaunch(inputs(deployment('chat', ollamaOptions(), { bind: '::1', port: 11500 }), { paths: paths({ modelFiles: [gguf] }) }))
    expect(launch.env.OLLAMA_HOST).toBe('[::1]:11500')
    expect(launch.readiness.kind === 'ollama' && launch.readiness.create?.files[0]?.sha256).toBeNull()
  })
})

describe('vllm-mlx', () => {
  it('serves the snapshot dir under the deployment name with continuous batching', () => {
    const d = deployment('batch', vllmOptions(), { port: 8000, parallel: 8 })
    const launch = engineLaunch(inputs(d, { executable: '/Users/ada/.fleet/venvs/vllm-mlx-0.4.1/bin/vllm-mlx' }))
    expect(launch.args).toEqual(['serve', SNAPSHOT, '--served-model-name', 'batch', '--host', '127.0.0.1', '--port', '8000', '--max-num-seqs', '8', '--continuous-batching'])
    expect(launch.env).toEqual({ HF_HUB_OFFLINE: '1' })
    expect(launch.readiness).toEqual({ kind: 'http', url: 'http://127.0.0.1:8000/health', okStatus: 200, jsonField: { name: 'model_loaded', equals: true } })
    expect(launch.warmup?.body.model).toBe('batch')
  })

  it('converts the cache memory to MiB and appends the user args', () => {
    const d = deployment('batch', vllmOptions({ continuousBatching: false, cacheMemoryBytes: 6 * 2 ** 30 + 123, args: ['--max-tokens', '4096'] }))
    expect(engineLaunch(inputs(d)).args).toEqual([
      'serve',
      SNAPSHOT,
      '--served-model-name',
      'batch',
      '--host',
      '127.0.0.1',
      '--port',
      '8080',
      '--max-num-seqs',
      '1',
      '--cache-memory-mb',
      '6144',
      '--max-tokens',
      '4096',
    ])
  })
})

describe('command', () => {
  it('substitutes {port} in args, env and the health URL, and sends no warm-up', () => {
    const options = commandOptions({
      command: ['./serve.sh', '--listen', '127.0.0.1:{port}', '--name', 'x'],
      env: { APP_PORT: '{port}', MODE: 'prod' },
      healthUrl: 'http://127.0.0.1:{port}/healthz',
    })
    const launch = engineLaunch(inputs(deployment('app', options, { port: 7000, model: null }), { executable: '/srv/app/serve.sh', paths: paths({ snapshotDir: null }) }))
    expect(launch).toEqual({
      program: '/srv/app/serve.sh',
      args: ['--listen', '127.0.0.1:7000', '--name', 'x'],
      env: { APP_PORT: '7000', MODE: 'prod' },
      readiness: { kind: 'http', url: 'http://127.0.0.1:7000/healthz', okStatus: 0 },
      warmup: null,
    })
  })

  it('falls back to command[0] as written when no executable was resolved', () => {
    const launch = engineLaunch(inputs(deployment('app', commandOptions({ command: ['python3', '-m', 'http.server', '{port}'] }), { port: 7001 }), { executable: '' }))
    expect([launch.program, ...launch.args]).toEqual(['python3', '-m', 'http.server', '7001'])
    expect(launch.readiness).toEqual({ kind: 'http', url: 'http://127.0.0.1:7001/', okStatus: 0 })
  })
})

it('treats options of another engine as a bug', () => {
  const broken = { ...deployment('x', llamaOptions()), engine: 'mlx-lm' as const }
  expect(() => engineLaunch(inputs(broken))).toThrow(InternalError)
})
