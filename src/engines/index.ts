/**
 * The engines fleet runs, one folder each (src/engines/<engine>/), registered in one typed table. Adding an engine is
 * its folder, its id in src/catalog/engines.ts ENGINE_IDS and one row here; nothing else dispatches on engine ids.
 * Shared pure pieces are in shared/; the effectful parts (finding executables, readiness polling, Ollama model
 * creation) in runtime/.
 */
import { ENGINE_IDS, type EngineId } from '../catalog/engines.ts'
import type { Deployment } from '../config/types.ts'
import type { ServedEngineId } from '../config/written.ts'
import { command } from './command/index.ts'
import { llamaCpp } from './llama-cpp/index.ts'
import { mlxLm } from './mlx-lm/index.ts'
import type { EngineTable } from './module.ts'
import { ollama } from './ollama/index.ts'
import type { EngineInputs, EngineLaunch } from './types.ts'
import { vllmMlx } from './vllm-mlx/index.ts'

export const ENGINE_MODULES = {
  'mlx-lm': mlxLm,
  'llama.cpp': llamaCpp,
  ollama,
  'vllm-mlx': vllmMlx,
  command,
} as const satisfies EngineTable

/** Every engine's facts (formats, KV types, defaults), by id: a view of the table, so they are written once. */
export const ENGINES = Object.fromEntries(ENGINE_IDS.map((id) => [id, ENGINE_MODULES[id].info])) as { readonly [E in EngineId]: (typeof ENGINE_MODULES)[E]['info'] }

/** The engines that run a server program fleet installs or finds (all but `command`). */
export const SERVED_ENGINE_IDS: readonly ServedEngineId[] = ENGINE_IDS.filter((id): id is ServedEngineId => id !== 'command')

/** The program, arguments, environment, readiness probe and warm-up of one deployment. Pure: reads no files. */
export function engineLaunch(inputs: EngineInputs): EngineLaunch {
  return ENGINE_MODULES[inputs.deployment.engine].launch(inputs)
}

/** How fleet sizes the deployment's engine; null for a `command`. */
export function engineSizing(deployment: Pick<Deployment, 'engine'>): (typeof ENGINE_MODULES)[EngineId]['sizing'] {
  return ENGINE_MODULES[deployment.engine].sizing
}

export type { EngineInputs, EngineLaunch, EnginePaths, JsonFieldCheck, OllamaModelSource, ReadinessProbe } from './types.ts'
export type { EngineModule, EngineSizing, OptionReader, OptionIssue, SpeedFamily, CacheLayout } from './module.ts'
export type { ServerLimits, MemoryEstimate } from './shared/memory-estimate.ts'
export { MLX_DEFAULT_MODEL } from './mlx-lm/launch.ts'
export { ollamaModelName } from './ollama/launch.ts'
export { substitutePort } from './command/launch.ts'
export { probeHost } from './shared/launch.ts'
