/** Builders for the engines tests: representative normalized deployments and the inputs engineLaunch receives. */
import { COMMAND_OPTION_DEFAULTS } from '../../src/engines/command/options.ts'
import { LLAMA_CPP_OPTION_DEFAULTS } from '../../src/engines/llama-cpp/options.ts'
import { MLX_LM_OPTION_DEFAULTS } from '../../src/engines/mlx-lm/options.ts'
import { OLLAMA_OPTION_DEFAULTS } from '../../src/engines/ollama/options.ts'
import { VLLM_MLX_OPTION_DEFAULTS } from '../../src/engines/vllm-mlx/options.ts'
import type { Deployment, EngineOptions } from '../../src/config/types.ts'
import type { EngineInputs, EnginePaths } from '../../src/engines/types.ts'
import type { Architecture } from '../../src/model/architecture.ts'
import type { ModelFacts, WeightFile } from '../../src/resolve/facts.ts'

export const SNAPSHOT = '/Users/ada/.cache/huggingface/hub/models--org--m/snapshots/0123456789abcdef0123456789abcdef01234567'

const BASE = {
  machine: 'studio',
  machines: ['studio'],
  model: 'm',
  port: 8080,
  bind: '127.0.0.1',
  context: 8192,
  parallel: 1,
  parallelism: 'pipeline',
  kvCache: 'f16',
} as const satisfies Partial<Deployment>

export function deployment(name: string, options: EngineOptions, overrides: Partial<Omit<Deployment, 'options' | 'engine'>> = {}): Deployment {
  return { ...BASE, name, engine: options.engine, options, ...overrides }
}

export const mlxOptions = (o: Partial<Extract<EngineOptions, { engine: 'mlx-lm' }>> = {}): EngineOptions => ({ engine: 'mlx-lm', ...MLX_LM_OPTION_DEFAULTS, ...o })
export const llamaOptions = (o: Partial<Extract<EngineOptions, { engine: 'llama.cpp' }>> = {}): EngineOptions => ({ engine: 'llama.cpp', ...LLAMA_CPP_OPTION_DEFAULTS, ...o })
export const ollamaOptions = (o: Partial<Extract<EngineOptions, { engine: 'ollama' }>> = {}): EngineOptions => ({ engine: 'ollama', ...OLLAMA_OPTION_DEFAULTS, ...o })
export const vllmOptions = (o: Partial<Extract<EngineOptions, { engine: 'vllm-mlx' }>> = {}): EngineOptions => ({ engine: 'vllm-mlx', ...VLLM_MLX_OPTION_DEFAULTS, ...o })
export const commandOptions = (o: Partial<Extract<EngineOptions, { engine: 'command' }>> & { command: readonly string[] }): EngineOptions => ({
  engine: 'command',
  ...COMMAND_OPTION_DEFAULTS,
  ...o,
})

export function paths(overrides: Partial<EnginePaths> = {}): EnginePaths {
  return {
    hubCache: '/Users/ada/.cache/huggingface/hub',
    hfHome: '/Users/ada/.cache/huggingface',
    snapshotDir: SNAPSHOT,
    modelFiles: [],
    stateDir: '/Users/ada/.fleet/deployments/chat',
    ...overrides,
  }
}

export function inputs(d: Deployment, overrides: Partial<Omit<EngineInputs, 'deployment' | 'limits'>> & { limits?: EngineInputs['limits'] } = {}): EngineInputs {
  return { deployment: d, model: null, facts: null, paths: paths(), executable: '/opt/fleet/bin/engine', limits: null, ...overrides }
}

const ARCHITECTURE: Architecture = {
  modelType: 'llama',
  hiddenSize: 64,
  vocabSize: 256,
  numHeads: 4,
  headDim: 16,
  intermediateSize: 128,
  layers: [],
  trainedContext: 4096,
  ropeScaling: null,
  tieWordEmbeddings: false,
  dtype: 'float16',
  moe: null,
  mla: null,
  linear: null,
  mamba: null,
  extras: {},
}

/** Facts of a GGUF repo whose files are `files` (paths inside the repo). */
export function ggufFacts(files: readonly WeightFile[]): ModelFacts {
  const totalBytes = files.reduce((sum, f) => sum + f.bytes, 0)
  return {
    repo: 'org/m-GGUF',
    revision: null,
    commit: '0123456789abcdef0123456789abcdef01234567',
    format: 'gguf',
    quant: 'Q4_K_M',
    architecture: ARCHITECTURE,
    weights: { totalBytes, activeBytesPerToken: totalBytes, basis: 'files', files },
    source: 'lock',
    citation: 'test',
  }
}
