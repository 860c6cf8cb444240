/** The engine table: exactly one module per engine id, each describing itself, and the only place engines are told apart. */
import { describe, expect, it } from 'vitest'
import { ENGINE_IDS } from '../../src/catalog/engines.ts'
import { ENGINE_MODULES, ENGINES, SERVED_ENGINE_IDS } from '../../src/engines/index.ts'
import type { OptionReader } from '../../src/engines/module.ts'

const emptyOptions: OptionReader = { int: () => undefined, bool: () => undefined, str: () => undefined, size: () => undefined, strings: () => [], stringMap: () => undefined }

describe('ENGINE_MODULES', () => {
  it('has one module for every engine id, and nothing else', () => {
    expect(Object.keys(ENGINE_MODULES).sort()).toEqual([...ENGINE_IDS].sort())
    for (const id of ENGINE_IDS) {
      expect(ENGINE_MODULES[id].info.id).toBe(id)
      expect(ENGINES[id]).toBe(ENGINE_MODULES[id].info)
    }
  })

  it('each module reads its own options, with its defaults, tagged with its id', () => {
    for (const id of ENGINE_IDS) {
      const { options, issues } = ENGINE_MODULES[id].readOptions(emptyOptions, ENGINE_MODULES[id].info.defaultKvCache)
      expect(options.engine).toBe(id)
      expect(issues).toEqual([])
    }
  })

  it('every served engine has a default source and a program; command has neither and is not sized', () => {
    for (const id of SERVED_ENGINE_IDS) {
      expect(ENGINE_MODULES[id].executable.binary).toMatch(/^[\w.-]+$/)
      expect(ENGINE_MODULES[id].sizing).not.toBeNull()
    }
    expect(SERVED_ENGINE_IDS).not.toContain('command')
    expect(ENGINE_MODULES.command.executable).toBeNull()
    expect(ENGINE_MODULES.command.sizing).toBeNull()
  })

  it('engines that run the same kernels share cache layout; Ollama has its own speed family (its per-token overhead)', () => {
    expect([ENGINE_MODULES['llama.cpp'].sizing.speedFamily, ENGINE_MODULES.ollama.sizing.speedFamily]).toEqual(['llama.cpp', 'ollama'])
    expect([ENGINE_MODULES['mlx-lm'].sizing.speedFamily, ENGINE_MODULES['vllm-mlx'].sizing.speedFamily]).toEqual(['mlx-lm', 'mlx-lm'])
    expect(ENGINE_MODULES.ollama.sizing.cacheLayout).toBe('ggml')
    expect(ENGINE_MODULES['vllm-mlx'].sizing.cacheLayout).toBe('mlx')
  })

  it('an engine-specific check lives in its module (llama.cpp: quantized V needs flash attention)', () => {
    const off: OptionReader = { ...emptyOptions, str: (key) => (key === 'flashAttention' ? 'off' : undefined) }
    expect(ENGINE_MODULES['llama.cpp'].readOptions(off, 'q8_0').issues).toMatchObject([{ field: 'kvCache', code: 'quantized-v-needs-flash-attention' }])
    expect(ENGINE_MODULES['llama.cpp'].readOptions(off, 'f16').issues).toEqual([])
  })
})
