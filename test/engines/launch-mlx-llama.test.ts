/**
 * Command lines of mlx_lm.server and llama-server, exact argv.
 * Checked against: ml-explore/mlx-lm mlx_lm/server.py main() argparse @d78bf58e (0.32.0): --model --host --port
 * --decode-concurrency --prompt-concurrency --prompt-cache-size --prompt-cache-bytes --prefill-step-size --max-tokens;
 * ggml-org/llama.cpp tools/server/README.md @00dc8057 (generated from common/arg.cpp): -m --host --port -c -np -kvu
 * -ctk -ctv -fa -b -ub --swa-full --metrics --alias.
 */
import { describe, expect, it } from 'vitest'
import { engineLaunch } from '../../src/engines/index.ts'
import { UserError } from '../../src/errors.ts'
import { SNAPSHOT, deployment, inputs, llamaOptions, mlxOptions, paths } from './inputs.ts'

describe('mlx-lm', () => {
  it('serves the absolute snapshot dir with one batch slot per parallel request, offline', () => {
    const d = deployment('chat', mlxOptions(), { port: 8081, parallel: 4 })
    const launch = engineLaunch(inputs(d, { executable: '/Users/ada/.fleet/venvs/mlx-lm-0.32.0/bin/mlx_lm.server' }))
    expect(launch.program).toBe('/Users/ada/.fleet/venvs/mlx-lm-0.32.0/bin/mlx_lm.server')
    expect(launch.args).toEqual([
      '--model',
      SNAPSHOT,
      '--host',
      '127.0.0.1',
      '--port',
      '8081',
      '--decode-concurrency',
      '4',
      '--prompt-concurrency',
      '4',
      '--prompt-cache-size',
      '10',
      '--prefill-step-size',
      '2048',
      '--max-tokens',
      '512',
    ])
    expect(launch.env).toEqual({ HF_HUB_OFFLINE: '1' })
  })

  it('adds --prompt-cache-bytes when set and the user args last', () => {
    const d = deployment('chat', mlxOptions({ promptCacheBytes: 4_000_000_000, promptCacheSize: 4, prefillStepSize: 512, maxTokens: 4096, args: ['--temp', '0.7'] }), { bind: '0.0.0.0' })
    expect(engineLaunch(inputs(d)).args).toEqual([
      '--model',
      SNAPSHOT,
      '--host',
      '0.0.0.0',
      '--port',
      '8080',
      '--decode-concurrency',
      '1',
      '--prompt-concurrency',
      '1',
      '--prompt-cache-size',
      '4',
      '--prompt-cache-bytes',
      '4000000000',
      '--prefill-step-size',
      '512',
      '--max-tokens',
      '4096',
      '--temp',
      '0.7',
    ])
  })

  it('is ready on a one-token completion of "default_model", probed on loopback when bound to all addresses', () => {
    const launch = engineLaunch(inputs(deployment('chat', mlxOptions(), { bind: '0.0.0.0', port: 9000 })))
    expect(launch.readiness).toEqual({
      kind: 'completion',
      url: 'http://127.0.0.1:9000/v1/completions',
      body: { model: 'default_model', prompt: 'Hello', max_tokens: 1, temperature: 0, stream: false },
    })
    expect(launch.warmup?.url).toBe('http://127.0.0.1:9000/v1/chat/completions')
    // Never an HF id: any other model string makes mlx_lm.server load (or download) that model.
    expect(launch.warmup?.body.model).toBe('default_model')
  })

  it('refuses a model that was never pulled', () => {
    const d = deployment('chat', mlxOptions())
    expect(() => engineLaunch(inputs(d, { paths: paths({ snapshotDir: null }) }))).toThrow(UserError)
  })
})

describe('llama.cpp', () => {
  const gguf = `${SNAPSHOT}/m-Q4_K_M-00001-of-00002.gguf`
  const parts = paths({ modelFiles: [gguf, `${SNAPSHOT}/m-Q4_K_M-00002-of-00002.gguf`] })

  it('loads the first part with the total context for all slots, and always an explicit port', () => {
    const d = deployment('coder', llamaOptions(), { port: 8082, context: 16384, parallel: 2, kvCache: 'q8_0' })
    const launch = engineLaunch(inputs(d, { paths: parts, executable: '/opt/homebrew/bin/llama-server' }))
    expect(launch.program).toBe('/opt/homebrew/bin/llama-server')
    expect(launch.args).toEqual([
      '-m',
      gguf,
      '--host',
      '127.0.0.1',
      '--port',
      '8082',
      '-c',
      '32768',
      '-np',
      '2',
      '-ctk',
      'q8_0',
      '-ctv',
      'q8_0',
      '-fa',
      'auto',
      '-b',
      '2048',
      '-ub',
      '512',
      '--metrics',
      '--alias',
      'coder',
    ])
    expect(launch.env).toEqual({})
  })

  it('passes -kvu, --swa-full, -fa on and the user args last', () => {
    const options = llamaOptions({ kvUnified: true, swaFull: true, flashAttention: 'on', batch: 4096, ubatch: 1024, args: ['--jinja', '-t', '8'] })
    const d = deployment('gemma', options, { parallel: 4, context: 4096 })
    expect(engineLaunch(inputs(d, { paths: parts })).args).toEqual([
      '-m',
      gguf,
      '--host',
      '127.0.0.1',
      '--port',
      '8080',
      '-c',
      '16384',
      '-np',
      '4',
      '-kvu',
      '-ctk',
      'f16',
      '-ctv',
      'f16',
      '-fa',
      'on',
      '-b',
      '4096',
      '-ub',
      '1024',
      '--swa-full',
      '--metrics',
      '--alias',
      'gemma',
      '--jinja',
      '-t',
      '8',
    ])
  })

  it('passes the planned host prompt-cache budget as --cache-ram, or the declared options.cacheRam instead', () => {
    const d = deployment('chat', llamaOptions(), { parallel: 2, context: 8192 })
    const planned = engineLaunch(inputs(d, { paths: parts, limits: { promptCacheBytes: 2 * 2 ** 30 } })).args
    expect(planned.slice(planned.indexOf('--cache-ram'), planned.indexOf('--cache-ram') + 2)).toEqual(['--cache-ram', '2048'])
    const declared = engineLaunch(inputs(deployment('chat', llamaOptions({ cacheRamBytes: 0 }), { parallel: 2 }), { paths: parts, limits: { promptCacheBytes: 2 * 2 ** 30 } })).args
    expect(declared.slice(declared.indexOf('--cache-ram'), declared.indexOf('--cache-ram') + 2)).toEqual(['--cache-ram', '0'])
  })

  it('is ready when /health answers 200 and warms up with a one-token chat under its alias', () => {
    const launch = engineLaunch(inputs(deployment('coder', llamaOptions(), { bind: '::', port: 8082 }), { paths: parts }))
    expect(launch.readiness).toEqual({ kind: 'http', url: 'http://[::1]:8082/health', okStatus: 200 })
    expect(launch.warmup).toEqual({
      url: 'http://[::1]:8082/v1/chat/completions',
      body: { model: 'coder', messages: [{ role: 'user', content: 'Hello' }], max_tokens: 1, stream: false },
    })
  })

  it('picks the first part and never a projector, whatever order the files come in', () => {
    const shuffled = paths({ modelFiles: [`${SNAPSHOT}/mmproj-F16.gguf`, `${SNAPSHOT}/m-00002-of-00002.gguf`, `${SNAPSHOT}/m-00001-of-00002.gguf`] })
    expect(engineLaunch(inputs(deployment('coder', llamaOptions()), { paths: shuffled })).args.slice(0, 2)).toEqual(['-m', `${SNAPSHOT}/m-00001-of-00002.gguf`])
  })

  it('refuses a deployment without GGUF files', () => {
    expect(() => engineLaunch(inputs(deployment('coder', llamaOptions())))).toThrow(/not on this machine/)
  })
})
