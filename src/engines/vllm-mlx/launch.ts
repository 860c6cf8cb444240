/**
 * `vllm-mlx serve` (vllm-mlx 0.4.1). Flags checked against waybarrios/vllm-mlx `vllm_mlx/cli.py` serve_parser
 * @4b654c09 (pyproject 0.4.1) and `docs/reference/cli.md`: positional model, --served-model-name, --host (127.0.0.1),
 * --port (8000), --max-num-seqs (256), --continuous-batching (store_true), --cache-memory-mb (int, MiB: memory_cache.py
 * `_BYTES_PER_MB = 1024 * 1024`; default auto ≈ 20% of RAM). --max-num-seqs and --cache-memory-mb only reach the
 * scheduler with --continuous-batching (cli.py `SchedulerConfig`).
 */
import { baseUrl, chatWarmup, optionsFor, requireSnapshotDir } from '../shared/launch.ts'
import type { EngineInputs, EngineLaunch } from '../types.ts'

export function vllmMlxLaunch(inputs: EngineInputs): EngineLaunch {
  const { deployment } = inputs
  const options = optionsFor(deployment, 'vllm-mlx')
  const snapshotDir = requireSnapshotDir(inputs)
  const args = [
    'serve',
    // An existing path is loaded as is (through mlx-lm), so the Hub is never asked.
    snapshotDir,
    // Without it the API model id is the snapshot path, and server.py `_validate_model_name` rejects any other name.
    '--served-model-name',
    deployment.name,
    '--host',
    deployment.bind,
    '--port',
    String(deployment.port),
    '--max-num-seqs',
    String(deployment.parallel),
    ...(options.continuousBatching ? ['--continuous-batching'] : []),
    ...(options.cacheMemoryBytes === null ? [] : ['--cache-memory-mb', String(Math.max(1, Math.floor(options.cacheMemoryBytes / 2 ** 20)))]),
    // Last: argparse keeps the last value of a repeated flag.
    ...options.args,
  ]
  const base = baseUrl(deployment)
  return {
    program: inputs.executable,
    args,
    env: { HF_HUB_OFFLINE: '1' },
    // GET /health → {"status":"healthy"|"unhealthy","model_loaded":bool,…} (server.py `health()`); serve loads the model
    // before uvicorn listens, but with lazy loading /health answers first, so model_loaded is what counts.
    readiness: { kind: 'http', url: `${base}/health`, okStatus: 200, jsonField: { name: 'model_loaded', equals: true } },
    warmup: chatWarmup(`${base}/v1/chat/completions`, deployment.name, 1),
  }
}
