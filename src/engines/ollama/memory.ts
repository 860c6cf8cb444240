/**
 * Ollama (ollama/ollama @fb30760, Aug 2026) runs every GGUF model through the upstream llama-server since
 * "runner: Remove CGO engines, use llama-server exclusively for GGML models (#16031)". So its memory is
 * llama-server's for the arguments Ollama builds, plus the Ollama server process itself.
 *
 * llm/llama_server.go (NewLlamaServerRunner → start):
 *   -c (num_ctx × numParallel) -np numParallel --cache-type-k/-v $OLLAMA_KV_CACHE_TYPE --flash-attn on|off|auto
 *   -b N -ub N (the same N for both) when num_batch is set
 * and nothing for --kv-unified, --swa-full or --cache-ram, so those keep llama-server's defaults (unified off
 * because -np is explicit; cache-ram 8 GiB).
 */
import type { Architecture } from '../../model/architecture.ts'
import type { MemoryEstimate } from '../shared/memory-estimate.ts'
import { llamaCppMemory } from '../llama-cpp/memory.ts'
import { MiB } from '../shared/kv-layers.ts'

export interface OllamaDeployment {
  readonly contextPerSlot: number
  readonly parallel: number
  readonly kvType: string
  /** OLLAMA_FLASH_ATTENTION as fleet sets it: explicit on or off. */
  readonly flashAttention: boolean
  /** num_batch when the model or request sets one; otherwise Ollama picks it (automaticGenerationBatch). */
  readonly numBatch?: number
}

/**
 * The `ollama serve` process itself, idle with no model loaded: ~380 MB reported on a Mac in
 * ml-explore/mlx-lm#1235 ("The equivalent Ollama setup uses ~380 MB at idle (model unloaded …)").
 */
export const OLLAMA_SERVER_BYTES = 384 * MiB

/**
 * Families Ollama forces to one slot (server/sched.go Scheduler.load: "model architecture does not currently
 * support parallel requests"), compared with underscores removed so HF model_type spellings match.
 */
const SINGLE_SLOT_FAMILIES: ReadonlySet<string> = new Set(['mllama', 'qwen3vl', 'qwen3vlmoe', 'qwen35', 'qwen35moe', 'qwen3next', 'lfm2', 'lfm2moe', 'nemotronh', 'nemotronhmoe', 'nemotronhomni'])

/**
 * server/sched.go generationBatchForContext: without a num_batch, Ollama passes -b/-ub 2048 above 32768 total
 * context, 1024 above 4096, else 512 — then steps down while the predicted memory lacks headroom
 * (generationBatchFits), which fleet cannot know here; we assume it fits.
 */
export function ollamaAutoBatch(totalContext: number): number {
  if (totalContext > 32768) return 2048
  if (totalContext > 4096) return 1024
  return 512
}

export function ollamaMemory(arch: Architecture, d: OllamaDeployment): MemoryEstimate {
  const notes: string[] = []
  const family = arch.modelType.toLowerCase().replace(/[_-]/g, '')
  let parallel = Math.max(1, Math.floor(d.parallel))
  if (parallel > 1 && SINGLE_SLOT_FAMILIES.has(family)) {
    notes.push(`Ollama serves ${arch.modelType} with one slot whatever OLLAMA_NUM_PARALLEL says`)
    parallel = 1
  }
  // llm/server.go NewLlamaServer: "requested context size too large for model" → num_ctx = n_ctx_train.
  let context = d.contextPerSlot
  if (arch.trainedContext > 0 && context > arch.trainedContext) {
    notes.push(`Ollama caps num_ctx at the model's trained context, ${arch.trainedContext}`)
    context = arch.trainedContext
  }
  const batch = d.numBatch ?? ollamaAutoBatch(context * parallel)
  const inner = llamaCppMemory(arch, {
    contextPerSlot: context,
    parallel,
    typeK: d.kvType,
    typeV: d.kvType,
    flashAttention: d.flashAttention ? 'on' : 'off',
    ubatch: batch,
    batch,
    kvUnified: false,
    swaFull: false,
  })
  return {
    ...inner,
    runtimeBytes: inner.runtimeBytes + OLLAMA_SERVER_BYTES,
    details: { ...inner.details, ollamaNumCtx: context, ollamaParallel: parallel, ollamaBatch: batch },
    notes: [...notes, ...inner.notes, `Ollama passes -b/-ub ${batch}${d.numBatch === undefined ? ' (its automatic choice for this context)' : ''}`],
    // Ollama builds llama-server's command line itself and sets no --cache-ram: nothing for fleet to pass.
    serverLimits: { promptCacheBytes: null },
  }
}
