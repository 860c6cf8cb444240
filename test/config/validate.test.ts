/**
 * The validation layers, input by input: each broken fleet must produce the right diagnostic code at the right
 * line and column, and every error in a file must be reported in one pass.
 */
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { loadFleet, loadFleetText } from '../../src/config/load.ts'

const VALID = `version: 1
machines:
  studio:
    chip: m3-ultra
    memory: 512GB
models:
  qwen:
    source: hf:mlx-community/Qwen3-32B-4bit
  llama:
    source: hf:bartowski/Llama-3.3-70B-Instruct-GGUF
    quant: Q4_K_M
deployments:
  chat:
    machine: studio
    model: qwen
    engine: mlx-lm
    port: 8080
    context: 32k
  reason:
    machine: studio
    model: llama
    engine: llama.cpp
    port: 8081
    parallel: 2
    kvCache: q8_0
`

function codes(text: string): { code: string; line: number; column: number; path: string; severity: string }[] {
  return loadFleetText(text).diagnostics.map(({ code, line, column, path, severity }) => ({ code, line, column, path, severity }))
}

describe('a valid fleet', () => {
  it('normalizes with every default filled in', () => {
    const { fleet, diagnostics } = loadFleetText(VALID)
    expect(diagnostics).toEqual([])
    expect(fleet).not.toBeNull()
    const studio = fleet!.machines[0]!
    expect(studio).toMatchObject({
      name: 'studio',
      chip: 'm3-ultra',
      memoryBytes: 512 * 2 ** 30,
      gpuCores: 80,
      bandwidthBytesPerSecond: 819e9,
      reserveBytes: 8 * 2 ** 30,
      host: null,
      gpuWiredLimitBytes: null,
      serviceManager: 'auto',
    })
    const [chat, reason] = fleet!.deployments
    expect(chat).toMatchObject({ engine: 'mlx-lm', context: 32768, parallel: 1, kvCache: 'f16', bind: '127.0.0.1', machines: ['studio'] })
    expect(chat!.options).toEqual({ engine: 'mlx-lm', promptCacheBytes: null, promptCacheSize: 10, prefillStepSize: 2048, maxTokens: 512, startingPort: 32323, args: [] })
    expect(reason).toMatchObject({ engine: 'llama.cpp', context: 8192, parallel: 2, kvCache: 'q8_0' })
    expect(fleet!.models.map((m) => [m.name, m.format, m.formatSource])).toEqual([
      ['qwen', 'mlx', 'inferred'],
      ['llama', 'gguf', 'inferred'],
    ])
    expect(fleet!.rules['memory-fraction']).toEqual({ severity: 'warning', value: 0.8 })
  })

  it('applies the defaults block and rule shorthands', () => {
    const text = VALID.replace('machines:', 'defaults:\n  context: 16k\n  parallel: 3\n  reserve: 20GB\nmachines:') + 'rules:\n  maxMemoryFraction: 0.7\n  chat-speed: off\n'
    const { fleet } = loadFleetText(text)
    expect(fleet!.deployments[1]).toMatchObject({ context: 16384, parallel: 2 })
    expect(fleet!.deployments[0]).toMatchObject({ parallel: 3 })
    expect(fleet!.machines[0]!.reserveBytes).toBe(20e9)
    expect(fleet!.rules['memory-fraction'].value).toBe(0.7)
    expect(fleet!.rules['chat-speed'].severity).toBe('off')
  })
})

describe('diagnostics point at the source', () => {
  it.each<[string, string, string, number, number]>([
    ['unknown chip with a suggestion', VALID.replace('m3-ultra', 'm3-ultr'), 'unknown-chip', 4, 11],
    ['unknown machine', VALID.replace('machine: studio\n    model: qwen', 'machine: stduio\n    model: qwen'), 'unknown-machine', 14, 14],
    ['unknown model', VALID.replace('model: llama', 'model: lama'), 'unknown-model', 21, 12],
    ['port clash on one machine', VALID.replace('port: 8081', 'port: 8080'), 'port-conflict', 23, 11],
    ['engine that cannot serve the format', VALID.replace('engine: mlx-lm', 'engine: ollama'), 'engine-format-mismatch', 16, 13],
    ['context of 0', VALID.replace('context: 32k', 'context: 0'), 'invalid-context', 18, 14],
    ['context of 0k', VALID.replace('context: 32k', 'context: 0k'), 'invalid-context', 18, 14],
    ['unknown property', VALID.replace('port: 8080', 'prot: 8080'), 'unknown-property', 17, 5],
    ['wrong type', VALID.replace('port: 8080', 'port: "eighty"'), 'wrong-type', 17, 11],
    ['bad size', VALID.replace('memory: 512GB', 'memory: lots'), 'invalid-value', 5, 13],
    ['unknown engine', VALID.replace('engine: mlx-lm', 'engine: mlx'), 'invalid-value', 16, 13],
    ['kv type the engine lacks', VALID.replace('engine: mlx-lm', 'engine: mlx-lm\n    kvCache: q4_0'), 'invalid-value', 17, 14],
    ['duplicate key', VALID.replace('port: 8081', 'port: 8081\n    port: 8082'), 'duplicate-key', 24, 5],
    ['missing model on a server engine', VALID.replace('    model: qwen\n', ''), 'missing-property', 13, 3],
    ['bad source', VALID.replace('hf:mlx-community/Qwen3-32B-4bit', 'mlx-community/Qwen3-32B-4bit'), 'invalid-value', 8, 13],
    ['bad name', VALID.replace('  chat:', '  Chat Bot:'), 'invalid-name', 13, 3],
    ['wrong version', VALID.replace('version: 1', 'version: 2'), 'invalid-value', 1, 10],
    ['GPU core count the chip lacks', VALID.replace('memory: 512GB', 'memory: 512GB\n    gpuCores: 64'), 'unknown-gpu-variant', 6, 15],
    ['reserve larger than memory', VALID.replace('memory: 512GB', 'memory: 512GB\n    reserve: 600GB'), 'reserve-too-large', 6, 14],
    ['quantized V cache without flash attention', VALID.replace('kvCache: q8_0', 'kvCache: q8_0\n    options: { flashAttention: off }'), 'quantized-v-needs-flash-attention', 25, 14],
    ['machine and machines both set', VALID.replace('machine: studio\n    model: qwen', 'machine: studio\n    machines: [studio, other]\n    model: qwen'), 'machine-and-machines', 15, 5],
  ])('%s', (_name, text, code, line, column) => {
    const found = codes(text)
    expect(found).toContainEqual(expect.objectContaining({ code, line, column, severity: 'error' }))
    expect(loadFleetText(text).fleet).toBeNull()
  })

  it('collects every error in one pass', () => {
    const text = VALID.replace('m3-ultra', 'm3-ultr').replace('model: llama', 'model: lama').replace('port: 8081', 'prot: 8081').replace('context: 32k', 'context: 0')
    const found = codes(text).map((d) => d.code)
    expect(found).toEqual(expect.arrayContaining(['unknown-chip', 'unknown-model', 'unknown-property', 'invalid-context']))
  })

  it('offers a did-you-mean in hints', () => {
    const d = loadFleetText(VALID.replace('m3-ultra', 'm3-ultr')).diagnostics[0]!
    expect(d.hint).toContain('Did you mean "m3-ultra"?')
    const typo = loadFleetText(VALID.replace('context: 32k', 'contxt: 32k')).diagnostics[0]!
    expect(typo.hint).toContain('Did you mean "context"?')
  })

  it('warns without failing on memory the chip was not sold with', () => {
    const { fleet, diagnostics } = loadFleetText(VALID.replace('memory: 512GB', 'memory: 300GB'))
    expect(fleet).not.toBeNull()
    expect(diagnostics).toEqual([expect.objectContaining({ code: 'unusual-memory', severity: 'warning' })])
  })
})

describe('hostile and broken files', () => {
  const dir = mkdtempSync(join(tmpdir(), 'fleet-validate-'))

  it.each<[string, string | Uint8Array, string]>([
    ['an empty file', '', 'empty-file'],
    ['only comments', '# nothing here\n\n', 'empty-file'],
    ['YAML syntax error', 'version: 1\nmachines:\n  studio: {chip: m3-ultra, memory: 512GB\n', 'yaml-syntax'],
    ['non-UTF-8 bytes', new Uint8Array([...new TextEncoder().encode('version: 1\nmachines: '), 0xff, 0xfe, 0x0a]), 'invalid-utf8'],
    ['a list instead of a mapping', '- a\n- b\n', 'not-a-mapping'],
    ['a scalar', '42\n', 'not-a-mapping'],
    [
      'an alias bomb',
      [
        'a: &a [x,x,x,x,x,x,x,x,x]',
        ...Array.from(
          { length: 9 },
          (_, i) =>
            `${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [${Array(9)
              .fill(`*${String.fromCharCode(97 + i)}`)
              .join(',')}]`,
        ),
      ].join('\n') + '\n',
      'yaml-aliases',
    ],
    ['wrong types at the top', 'version: 1\nmachines: []\n', 'wrong-type'],
    ['wrong types in a machine', 'version: 1\nmachines:\n  studio: 7\n', 'wrong-type'],
  ])('%s gets a diagnostic, not a crash', (_name, content, code) => {
    const result = loadFleetText(content)
    expect(result.fleet).toBeNull()
    expect(result.diagnostics.map((d) => d.code)).toContain(code)
    for (const d of result.diagnostics) expect(d.message.length).toBeGreaterThan(0)
  })

  it('reports the line and column of the first invalid UTF-8 byte', () => {
    const bytes = new Uint8Array([...new TextEncoder().encode('version: 1\nmachines:\n  st'), 0xc3, 0x28])
    const [d] = loadFleetText(bytes).diagnostics
    expect(d).toMatchObject({ code: 'invalid-utf8', line: 3, column: 5 })
  })

  it('refuses a directory, a missing file and a huge file', () => {
    mkdirSync(join(dir, 'fleet.yaml'))
    expect(loadFleet(join(dir, 'fleet.yaml')).diagnostics[0]!.code).toBe('not-a-file')
    expect(loadFleet(join(dir, 'missing.yaml')).diagnostics[0]!.code).toBe('file-not-found')
    const huge = join(dir, 'huge.yaml')
    writeFileSync(huge, `version: 1\n# ${'x'.repeat(5 * 1024 * 1024)}\n`)
    expect(loadFleet(huge).diagnostics[0]!.code).toBe('file-too-large')
  })

  it('survives deeply nested flow collections', () => {
    const deep = `version: 1\nmachines: ${'['.repeat(5000)}${']'.repeat(5000)}\n`
    const result = loadFleetText(deep)
    expect(result.fleet).toBeNull()
    expect(result.diagnostics.length).toBeGreaterThan(0)
  })
})
