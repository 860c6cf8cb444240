/** vllm-mlx (vllm-mlx serve): MLX repos served through mlx-lm's caches and BatchGenerator, so MLX's speed. */
import type { EngineModule } from '../module.ts'
import { optionsFor } from '../shared/launch.ts'
import { vllmMlxLaunch } from './launch.ts'
import { vllmMlxMemory } from './memory.ts'
import { normalizeVllmMlxOptions } from './options.ts'

export const vllmMlx = {
  // vllm-mlx loads through mlx-lm, so the same formats and KV dtype.
  info: { id: 'vllm-mlx', title: 'vllm-mlx (vllm-mlx serve)', formats: ['mlx', 'safetensors'], kvCacheTypes: ['f16', 'bf16'], defaultKvCache: 'f16', defaultPort: 8000, needsModel: true },
  // pyproject.toml [project.scripts]: vllm-mlx = "vllm_mlx.cli:main"; 0.4.1 is the version the flags follow.
  executable: { source: { python: 'vllm-mlx==0.4.1' }, binary: 'vllm-mlx' },
  readOptions: (read) => ({ options: normalizeVllmMlxOptions(read), issues: [] }),
  sizing: {
    memory: ({ deployment, machine, architecture, weightsBytes }) => {
      const o = optionsFor(deployment, 'vllm-mlx')
      return vllmMlxMemory(architecture, {
        contextPerSlot: deployment.context,
        parallel: deployment.parallel,
        dtypeBytes: deployment.kvCache === 'f32' ? 4 : 2,
        continuousBatching: o.continuousBatching,
        cacheMemoryBytes: o.cacheMemoryBytes,
        machineMemoryBytes: machine.memoryBytes,
        weightsBytes,
      })
    },
    cacheLayout: 'mlx',
    speedFamily: 'mlx-lm',
  },
  launch: vllmMlxLaunch,
} as const satisfies EngineModule<'vllm-mlx'>
