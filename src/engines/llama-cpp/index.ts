/** llama.cpp (llama-server): GGUF repos, ggml KV rows of any -ctk/-ctv type, Metal kernels. */
import type { EngineModule } from '../module.ts'
import { optionsFor } from '../shared/launch.ts'
import { llamaCppLaunch } from './launch.ts'
import { llamaCppMemory } from './memory.ts'
import { checkLlamaCppOptions, normalizeLlamaCppOptions } from './options.ts'

export const llamaCpp = {
  // llama-server -ctk/-ctv values (tools/server/README.md).
  info: {
    id: 'llama.cpp',
    title: 'llama.cpp (llama-server)',
    formats: ['gguf'],
    kvCacheTypes: ['f32', 'f16', 'bf16', 'q8_0', 'q4_0', 'q4_1', 'iq4_nl', 'q5_0', 'q5_1'],
    defaultKvCache: 'f16',
    defaultPort: 8080,
    needsModel: true,
  },
  executable: { source: { brew: 'llama.cpp' }, binary: 'llama-server' },
  readOptions: (read, kvCache) => {
    const options = normalizeLlamaCppOptions(read)
    return { options, issues: checkLlamaCppOptions({ kvCache, options }) }
  },
  sizing: {
    memory: ({ deployment, architecture }) => {
      const o = optionsFor(deployment, 'llama.cpp')
      return llamaCppMemory(architecture, {
        contextPerSlot: deployment.context,
        parallel: deployment.parallel,
        typeK: deployment.kvCache,
        typeV: deployment.kvCache,
        flashAttention: o.flashAttention,
        ubatch: o.ubatch,
        batch: o.batch,
        kvUnified: o.kvUnified,
        swaFull: o.swaFull,
        // A declared cacheRam is the server's hard limit; otherwise llama-server's default (8 GiB) bounds the budget.
        ...(o.cacheRamBytes !== null ? { cacheRamBytes: o.cacheRamBytes } : {}),
      })
    },
    cacheLayout: 'ggml',
    speedFamily: 'llama.cpp',
  },
  launch: llamaCppLaunch,
} as const satisfies EngineModule<'llama.cpp'>
