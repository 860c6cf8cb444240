/** Ollama (ollama serve): GGUF repos, run by the upstream llama-server it starts, so llama.cpp's memory and speed. */
import type { EngineModule } from '../module.ts'
import { optionsFor } from '../shared/launch.ts'
import { ollamaLaunch } from './launch.ts'
import { ollamaMemory } from './memory.ts'
import { checkOllamaOptions, normalizeOllamaOptions } from './options.ts'

export const ollama = {
  // OLLAMA_KV_CACHE_TYPE accepts f16, q8_0, q4_0 (docs/faq.mdx).
  info: { id: 'ollama', title: 'Ollama (ollama serve)', formats: ['gguf'], kvCacheTypes: ['f16', 'q8_0', 'q4_0'], defaultKvCache: 'f16', defaultPort: 11434, needsModel: true },
  executable: { source: { brew: 'ollama' }, binary: 'ollama' },
  readOptions: (read, kvCache) => {
    const options = normalizeOllamaOptions(read)
    return { options, issues: checkOllamaOptions({ kvCache, options }) }
  },
  sizing: {
    memory: ({ deployment, architecture }) => {
      const o = optionsFor(deployment, 'ollama')
      return ollamaMemory(architecture, { contextPerSlot: deployment.context, parallel: deployment.parallel, kvType: deployment.kvCache, flashAttention: o.flashAttention })
    },
    cacheLayout: 'ggml',
    speedFamily: 'ollama',
  },
  launch: ollamaLaunch,
} as const satisfies EngineModule<'ollama'>
