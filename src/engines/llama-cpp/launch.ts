/**
 * llama-server (llama.cpp). Flags checked against ggml-org/llama.cpp `tools/server/README.md` @00dc8057 (generated
 * from `common/arg.cpp` by llama-gen-docs): -m/--model, --host (127.0.0.1), --port (9931 in this README, 8080 in
 * older builds: so always explicit), -c/--ctx-size (TOTAL tokens across slots; each slot gets n_ctx / n_parallel
 * unless the KV cache is unified), -np/--parallel (-1 = auto, which also turns -kvu on), -kvu/--kv-unified,
 * -ctk/--cache-type-k and -ctv/--cache-type-v (f32 f16 bf16 q8_0 q4_0 q4_1 iq4_nl q5_0 q5_1), -fa/--flash-attn
 * on|off|auto, -b/--batch-size (2048), -ub/--ubatch-size (512), --swa-full, --metrics, -a/--alias.
 */
import { basename } from 'node:path'
import { baseUrl, chatWarmup, optionsFor, requireModelFiles } from '../shared/launch.ts'
import type { EngineInputs, EngineLaunch } from '../types.ts'

/**
 * The file -m names. A split GGUF is loaded from its first part (llama.cpp finds -00002-of-0000N … next to it), and a
 * multimodal projector (mmproj-*.gguf) is never the model; both are checked rather than trusting the list's order.
 */
export function primaryGguf(files: readonly [string, ...string[]]): string {
  const models = files.filter((f) => !basename(f).toLowerCase().startsWith('mmproj'))
  return models.find((f) => /-0*1-of-\d+\.gguf$/i.test(f)) ?? models[0] ?? files[0]
}

/** --cache-ram takes MiB; without a plan, llama-server keeps its own default (8192 MiB). */
function cacheRamLimit(bytes: number | null): string[] {
  return bytes === null ? [] : ['--cache-ram', String(Math.max(0, Math.floor(bytes / 2 ** 20)))]
}

export function llamaCppLaunch(inputs: EngineInputs, extra: readonly string[] = []): EngineLaunch {
  const { deployment } = inputs
  const options = optionsFor(deployment, 'llama.cpp')
  const firstPart = primaryGguf(requireModelFiles(inputs))
  const args = [
    '-m',
    firstPart,
    '--host',
    deployment.bind,
    '--port',
    String(deployment.port),
    // fleet's context is per slot; llama-server's -c is the whole KV cache, divided among the -np slots.
    '-c',
    String(deployment.context * deployment.parallel),
    '-np',
    String(deployment.parallel),
    ...(options.kvUnified ? ['-kvu'] : []),
    '-ctk',
    deployment.kvCache,
    '-ctv',
    deployment.kvCache,
    '-fa',
    options.flashAttention,
    '-b',
    String(options.batch),
    '-ub',
    String(options.ubatch),
    ...(options.swaFull ? ['--swa-full'] : []),
    // Saved slot states live in host RAM up to --cache-ram MiB (default 8192): bound them to what the plan counts.
    ...cacheRamLimit(options.cacheRamBytes ?? inputs.limits?.promptCacheBytes ?? null),
    // /metrics (Prometheus llamacpp:* counters) for `fleet status`; off by default.
    '--metrics',
    // Clients name the deployment, not the -m path that /v1/models would otherwise report as the model id.
    '--alias',
    deployment.name,
    // A head across machines: its RPC workers and the split (src/engines/llama-cpp/distributed.ts).
    ...extra,
    // Last, so the user's flags override fleet's (common_params_parse applies argv in order).
    ...options.args,
  ]
  const base = baseUrl(deployment)
  return {
    program: inputs.executable,
    args,
    env: {},
    // GET /health: 503 {"error":{"code":503,"message":"Loading model",…}} while loading, then 200 {"status":"ok"}.
    readiness: { kind: 'http', url: `${base}/health`, okStatus: 200 },
    warmup: chatWarmup(`${base}/v1/chat/completions`, deployment.name, 1),
  }
}
