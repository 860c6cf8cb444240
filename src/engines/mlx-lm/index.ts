/** mlx-lm (mlx_lm.server): MLX repos, KV cache in the activation dtype, Apple's MLX kernels. */
import type { EngineModule } from '../module.ts'
import { optionsFor } from '../shared/launch.ts'
import { mlxLmLaunch } from './launch.ts'
import { mlxLmMemory } from './memory.ts'
import { normalizeMlxLmOptions } from './options.ts'

export const mlxLm = {
  // The server has no --kv-bits: the KV cache is in the activation dtype (fp16/bf16) (mlx-lm 0.32 server.py).
  info: { id: 'mlx-lm', title: 'mlx-lm (mlx_lm.server)', formats: ['mlx', 'safetensors'], kvCacheTypes: ['f16', 'bf16'], defaultKvCache: 'f16', defaultPort: 8080, needsModel: true },
  // The version whose flags the command line is written against (shared reference protocols.md); setup.py
  // console_scripts: "mlx_lm.server = mlx_lm.server:main".
  executable: { source: { python: 'mlx-lm==0.32.0' }, binary: 'mlx_lm.server' },
  readOptions: (read) => ({ options: normalizeMlxLmOptions(read), issues: [] }),
  sizing: {
    memory: ({ deployment, architecture, weightsBytes, engineVersion }) => {
      const o = optionsFor(deployment, 'mlx-lm')
      return mlxLmMemory(architecture, {
        contextPerSlot: deployment.context,
        parallel: deployment.parallel,
        dtypeBytes: deployment.kvCache === 'f32' ? 4 : 2,
        prefillStepSize: o.prefillStepSize,
        promptCacheBytes: o.promptCacheBytes,
        weightsBytes,
        promptCacheSize: o.promptCacheSize,
        version: engineVersion ?? null,
      })
    },
    cacheLayout: 'mlx',
    speedFamily: 'mlx-lm',
  },
  launch: mlxLmLaunch,
} as const satisfies EngineModule<'mlx-lm'>
