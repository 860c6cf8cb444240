/**
 * What mlx_lm.server (ml-explore/mlx-lm @d78bf58, 0.32.0) allocates beyond the weights: the batch caches and prefill
 * transients (src/engines/shared/mlx-cache.ts) plus its LRU prompt cache and the Python runtime. docs/sizing-kv.md.
 */
import type { Architecture } from '../../model/architecture.ts'
import type { MemoryEstimate } from '../shared/memory-estimate.ts'
import { GiB, MiB, missingRecurrentSpecNotes } from '../shared/kv-layers.ts'
import { mlxCore, mlxPromptCacheTrimmable, unfusedPrefillNote } from '../shared/mlx-cache.ts'
import { MLX_LM_SERVER_DEFAULTS } from './options.ts'

/**
 * Python + MLX + transformers tokenizer + the server, with no cache: a labelled estimate. The one public figure we
 * found: mlx_lm.server idle with Qwen3-4B-4bit (~2.3 GB of weights) at ~3.2 GB RSS on a 16 GB M4
 * (ml-explore/mlx-lm#1235), i.e. ~0.9 GB that also includes prompt caches left by earlier requests.
 */
export const MLX_LM_RUNTIME_BYTES = 768 * MiB

export interface MlxLmDeployment {
  readonly contextPerSlot: number
  /** Requests decoding at once (fleet passes --decode-concurrency parallel). */
  readonly parallel: number
  /** Bytes of the activation dtype: 2 for bf16/fp16 checkpoints and their quantized conversions. */
  readonly dtypeBytes: number
  readonly prefillStepSize: number
  /** --prompt-cache-bytes, or null when not set. */
  readonly promptCacheBytes: number | null
  readonly weightsBytes: number
  /** --prompt-cache-size (server default 10). */
  readonly promptCacheSize?: number
  /**
   * --prompt-concurrency. Defaults to `parallel` (fleet is expected to pass it); note that BatchGenerator decodes
   * max(decode-concurrency, prompt-concurrency) requests at once (generate.py BatchGenerator.__init__).
   */
  readonly promptConcurrency?: number
  /**
   * The mlx-lm version that will run: undefined means the one fleet pins (0.32.0); null means unknown (an mlx-lm
   * fleet did not install), and then the older, costlier prefill is assumed.
   */
  readonly version?: string | null
}

/**
 * mlx-lm before 0.27.0 prefilled all but the last chunk of a prompt and ran the last chunk (up to prefill_step_size
 * tokens) through the model in full, so lm_head produced chunk × vocab logits in the activation dtype before
 * `logits[:, -1, :]` kept one row (mlx_lm/generate.py generate_step). ml-explore/mlx-lm#406 (24fefe3d, first in
 * v0.27.0) peels off only the last token instead; BatchGenerator (the server's batched path) likewise prompts
 * t[:-1] and decodes the last token alone. So from 0.27.0 the prefill logits are one row per request.
 */
export const MLX_LM_LAST_TOKEN_LOGITS_SINCE = '0.27.0'

/** Whether `version` (x.y.z) is older than `than`; false when either does not parse. */
export function versionBefore(version: string, than: string): boolean {
  const parse = (v: string): number[] | null => (/^\d+(\.\d+)*$/.test(v) ? v.split('.').map(Number) : null)
  const a = parse(version)
  const b = parse(than)
  if (a === null || b === null) return false
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const x = a[i] ?? 0
    const y = b[i] ?? 0
    if (x !== y) return x < y
  }
  return false
}

export function mlxLmMemory(arch: Architecture, d: MlxLmDeployment): MemoryEstimate {
  const notes: string[] = [...missingRecurrentSpecNotes(arch), ...unfusedPrefillNote(arch)]
  const parallel = Math.max(1, Math.floor(d.parallel))
  const promptConcurrency = Math.max(1, Math.floor(d.promptConcurrency ?? parallel))
  const decodeBatch = Math.max(parallel, promptConcurrency)
  if (decodeBatch > parallel) notes.push(`mlx-lm decodes up to max(decode, prompt concurrency) = ${decodeBatch} requests at once`)
  const core = mlxCore(arch, {
    context: d.contextPerSlot,
    decodeBatch,
    prefillBatch: Math.min(promptConcurrency, decodeBatch),
    dtypeBytes: d.dtypeBytes,
    prefillStepSize: d.prefillStepSize,
    batched: true,
  })

  // LRUPromptCache(max_size = --prompt-cache-size) keeps finished requests' caches (server.py builds it without
  // max_bytes, so only the count bounds it); fetch_nearest_cache hands out copies, so an entry and the active cache
  // built from it coexist. With --prompt-cache-bytes the batched path trims the LRU to (limit − active caches)
  // whenever a request joins (server.py ResponseGenerator._generate); the sequential path (draft model, caches
  // without merge) never trims by bytes. Without it, fleet budgets one retained full-context conversation per slot
  // (the steady state of `parallel` ongoing chats, since inserting a longer prefix drops the shorter ones) — unless
  // the caches are not trimmable at the planned context: then no prefix is ever dropped, one conversation fills
  // every entry, and the count is the bound.
  const size = Math.max(0, Math.floor(d.promptCacheSize ?? MLX_LM_SERVER_DEFAULTS.promptCacheSize))
  const entry = core.seq.kvBytes + core.seq.stateBytes
  const trimmable = mlxPromptCacheTrimmable(arch, d.contextPerSlot)
  let budget: number
  if (d.promptCacheBytes !== null) {
    budget = Math.min(d.promptCacheBytes, size * entry)
  } else if (!trimmable) {
    budget = size * entry
    if (entry > 0 && size > 0)
      notes.push(
        `mlx-lm cannot trim this model's caches (sliding window filled, or recurrent state), so its prompt cache keeps every prefix of a conversation: budgeted at all ${size} entries (${((size * entry) / GiB).toFixed(1)} GiB at full context); set promptCacheBytes to cap it`,
      )
  } else {
    budget = Math.min(size, decodeBatch) * entry
    if (size > decodeBatch && entry > 0) {
      notes.push(`mlx-lm's prompt cache is bounded only by count (${size} entries): up to ${((size * entry) / GiB).toFixed(1)} GiB at full context; set promptCacheBytes to cap it`)
    }
  }
  const pinned = size > 0 ? core.pinned : 0
  if (pinned > 0)
    notes.push(`a finished request's prompt-cache entry is a lazy slice of the whole batch cache until it is reused: up to ${(pinned / GiB).toFixed(1)} GiB more per such entry, counted once`)

  // The last prompt chunk's logits (chunk × vocab × activation bytes) on mlx-lm < 0.27.0, or when the version is unknown.
  const step = Math.max(1, Math.min(d.prefillStepSize, d.contextPerSlot))
  const fullChunkLogits = d.version === null || (d.version !== undefined && versionBefore(d.version, MLX_LM_LAST_TOKEN_LOGITS_SINCE))
  const chunkLogits = fullChunkLogits ? Math.min(promptConcurrency, decodeBatch) * step * arch.vocabSize * d.dtypeBytes : 0
  if (chunkLogits > 0)
    notes.push(
      `${d.version ? `mlx-lm ${d.version}` : 'an mlx-lm of unknown version'} computes the logits of a whole prompt chunk (${step} tokens × ${arch.vocabSize} vocabulary = ${(chunkLogits / MiB).toFixed(0)} MiB) before keeping the last; ${MLX_LM_LAST_TOKEN_LOGITS_SINCE} and later compute only the last token's`,
    )

  return {
    kvCacheBytes: core.kv,
    stateBytes: core.state,
    computeBytes: core.compute,
    // The logits come after the last layer, once its activations are freed: the larger of the two phases.
    transientBytes: Math.max(core.transient, chunkLogits),
    runtimeBytes: MLX_LM_RUNTIME_BYTES,
    promptCacheBytes: budget + pinned,
    details: {
      ...core.details,
      prefillChunkLogitsBytes: chunkLogits,
      promptCacheBudgetBytes: budget,
      promptCacheEntryBytes: entry,
      promptCacheTrimmable: trimmable ? 'yes' : 'no',
      pinnedBatchBytes: pinned,
      weightsBytes: d.weightsBytes,
    },
    notes,
    // The server's own limit is the retained-cache budget (not the lazily pinned batch memory the plan adds on top,
    // which the server does not count): it trims its LRU to it.
    serverLimits: { promptCacheBytes: budget },
  }
}
