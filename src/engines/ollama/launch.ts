/**
 * `ollama serve`, configured only through the environment. Variables checked against ollama/ollama
 * `envconfig/config.go` @fb307609: OLLAMA_HOST (`Host()`: host:port, default 127.0.0.1:11434), OLLAMA_MODELS
 * (`Models()`), OLLAMA_KEEP_ALIVE (`KeepAlive()`: Go duration or integer seconds; negative = forever),
 * OLLAMA_NUM_PARALLEL (default 1), OLLAMA_CONTEXT_LENGTH (default context of a request; the runner allocates it once
 * per parallel slot, server/sched.go `effectiveLlamaServerContext`), OLLAMA_KV_CACHE_TYPE (f16, q8_0, q4_0; needs
 * flash attention), OLLAMA_FLASH_ATTENTION (`BoolWithDefault`: 1/0).
 *
 * Ollama keeps models in its own store, not the HF cache, so after the server starts fleet creates a model from the
 * pulled GGUF through the HTTP API (src/engines/ollama-setup.ts), as the readiness step of the 'ollama' probe.
 */
import { basename, relative, sep } from 'node:path'
import type { Deployment } from '../../config/types.ts'
import type { ModelFacts } from '../../resolve/facts.ts'
import { baseUrl, chatWarmup, hostPort, optionsFor, requireModelFiles } from '../shared/launch.ts'
import type { EngineInputs, EngineLaunch, OllamaModelSource } from '../types.ts'

/** The name fleet gives the model it creates in a deployment's Ollama store; Ollama lists it as `<name>:latest`. */
export function ollamaModelName(deployment: string): string {
  return `fleet-${deployment}`
}

export function ollamaLaunch(inputs: EngineInputs): EngineLaunch {
  const { deployment, paths } = inputs
  const options = optionsFor(deployment, 'ollama')
  const model = ollamaModelName(deployment.name)
  const base = baseUrl(deployment)
  return {
    program: inputs.executable,
    args: ['serve'],
    env: {
      OLLAMA_HOST: hostPort(deployment.bind, deployment.port),
      // One store per deployment under fleet's state: its own blobs, never the user's ~/.ollama.
      OLLAMA_MODELS: `${paths.stateDir}/models`,
      OLLAMA_KEEP_ALIVE: options.keepAlive,
      OLLAMA_NUM_PARALLEL: String(deployment.parallel),
      // Per request (= per slot): Ollama multiplies it by OLLAMA_NUM_PARALLEL when it sizes the KV cache.
      OLLAMA_CONTEXT_LENGTH: String(deployment.context),
      OLLAMA_KV_CACHE_TYPE: deployment.kvCache,
      OLLAMA_FLASH_ATTENTION: options.flashAttention ? '1' : '0',
    },
    readiness: { kind: 'ollama', baseUrl: base, model, create: ollamaModelSource(inputs, deployment), keepAlive: options.keepAlive },
    // Through the OpenAI-compatible route; it names no options, so Ollama keeps the runner the preload started.
    warmup: chatWarmup(`${base}/v1/chat/completions`, model, 1),
  }
}

/** The GGUF part(s) and the Modelfile parameters fleet creates the Ollama model from. */
function ollamaModelSource(inputs: EngineInputs, deployment: Deployment): OllamaModelSource {
  const files = requireModelFiles(inputs).map((path) => ({ name: basename(path), path, sha256: knownSha256(inputs.facts, inputs.paths.snapshotDir, path) }))
  // num_ctx in the model too, so a request without options (the OpenAI routes) gets the planned context.
  return { files, parameters: { num_ctx: deployment.context } }
}

/** The sha256 the lock or the Hub reported for the file, so a multi-GB GGUF need not be hashed again. */
function knownSha256(facts: ModelFacts | null, snapshotDir: string | null, path: string): string | null {
  if (facts === null || snapshotDir === null) return null
  const inRepo = relative(snapshotDir, path).split(sep).join('/')
  return facts.weights.files.find((f) => f.path === inRepo)?.sha256 ?? null
}
