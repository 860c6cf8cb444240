/**
 * mlx_lm.server (mlx-lm 0.32.0). Flags checked against ml-explore/mlx-lm `mlx_lm/server.py` `main()` argparse
 * @d78bf58e (the 0.32.0 tag's _version.py): --model, --host (127.0.0.1), --port (8080), --decode-concurrency (32),
 * --prompt-concurrency (8), --prefill-step-size (2048), --prompt-cache-size (10), --prompt-cache-bytes (parsed by
 * utils._parse_size: plain integers are bytes), --max-tokens (512). The server has no context-length flag: fleet's
 * per-slot context is a planning figure only, and no KV-cache dtype flag (it uses the activation dtype).
 */
import { baseUrl, chatWarmup, optionsFor, requireSnapshotDir } from '../shared/launch.ts'
import type { EngineInputs, EngineLaunch } from '../types.ts'

/**
 * The `model` every request names. server.py maps "default_model" to --model (`ModelProvider.__init__`); any other
 * string makes the server unload and load that model, and an HF repo id can even start a download (protocols §6.2).
 */
export const MLX_DEFAULT_MODEL = 'default_model'

function promptCacheLimit(bytes: number | null): string[] {
  return bytes === null ? [] : ['--prompt-cache-bytes', String(Math.max(0, Math.floor(bytes)))]
}

export function mlxLmLaunch(inputs: EngineInputs): EngineLaunch {
  // An absolute path exists, so mlx_lm.utils._download uses it as is and never asks the Hub.
  return mlxLmServerLaunch(inputs, requireSnapshotDir(inputs))
}

/** mlx_lm.server serving `model` (a snapshot directory, or a repo id each rank resolves in its own offline cache). */
export function mlxLmServerLaunch(inputs: EngineInputs, model: string): EngineLaunch {
  const { deployment } = inputs
  const options = optionsFor(deployment, 'mlx-lm')
  const args = [
    '--model',
    model,
    '--host',
    deployment.bind,
    '--port',
    String(deployment.port),
    // One batch slot per parallel request, for decoding and for prompt processing alike.
    '--decode-concurrency',
    String(deployment.parallel),
    '--prompt-concurrency',
    String(deployment.parallel),
    '--prompt-cache-size',
    String(options.promptCacheSize),
    // The plan budgets retained caches; passing that budget makes it the server's limit (it trims its LRU to it).
    ...promptCacheLimit(options.promptCacheBytes ?? inputs.limits?.promptCacheBytes ?? null),
    '--prefill-step-size',
    String(options.prefillStepSize),
    '--max-tokens',
    String(options.maxTokens),
    // Last: argparse keeps the last value of a repeated flag, so the user's args win.
    ...options.args,
  ]
  const base = baseUrl(deployment)
  return {
    program: inputs.executable,
    args,
    // Belt and braces with the absolute path: nothing in the server may reach the Hub (tokenizer extras, /v1/models).
    env: { HF_HUB_OFFLINE: '1' },
    // /health answers 200 at once, before the model loads (server.py handle_health_check); a completion is queued
    // until the generation thread has loaded the model, so its answer is the readiness signal.
    readiness: {
      kind: 'completion',
      url: `${base}/v1/completions`,
      body: { model: MLX_DEFAULT_MODEL, prompt: 'Hello', max_tokens: 1, temperature: 0, stream: false },
    },
    warmup: chatWarmup(`${base}/v1/chat/completions`, MLX_DEFAULT_MODEL, 8),
  }
}
