/**
 * Sizing facts from the Hub, reading metadata only: the repo listing, config.json, and the headers of the
 * safetensors / GGUF files (HTTP Range) — never the weights. Every byte count comes from the real tensor tables.
 */
import type { ModelFormat } from '../catalog/engines.ts'
import type { Model } from '../config/types.ts'
import { UserError } from '../errors.ts'
import { readGgufHeader, type GgufHeader } from '../formats/gguf.ts'
import { readSafetensorsHeader } from '../formats/safetensors.ts'
import type { HubClient } from '../hub/client.ts'
import type { Architecture } from '../model/architecture.ts'
import { architectureFromGguf } from '../model/gguf-config.ts'
import { readHfArchitecture } from '../model/hf-config.ts'
import type { ModelFacts, WeightFile } from './facts.ts'
import { formatFromFiles, selectEngineFiles } from './select-files.ts'

const MAX_CONFIG_BYTES = 4 * 2 ** 20

interface TensorBytes {
  readonly name: string
  readonly bytes: number
}

export async function factsFromHub(model: Model, hub: HubClient): Promise<ModelFacts> {
  const repo = model.source.repo
  const info = await hub.getModelInfo(repo, model.source.revision ?? undefined)
  const listing = await hub.listFiles(repo, info.sha)
  const paths = listing.map((f) => f.path)
  const format: ModelFormat | null = model.format ?? formatFromFiles(paths)
  if (format === null) {
    throw new UserError(`${repo} has neither model*.safetensors nor .gguf files`, { hint: 'fleet serves MLX/safetensors repos (mlx-lm, vllm-mlx) and GGUF repos (llama.cpp, ollama)' })
  }
  const selection = selectEngineFiles(paths, format, model.quant)
  if (!selection.ok) throw new UserError(`${repo}@${info.sha.slice(0, 12)}: ${selection.message}`, { hint: selection.hint })
  const byPath = new Map(listing.map((f) => [f.path, f]))
  const files: WeightFile[] = selection.paths.map((path) => {
    const f = byPath.get(path)!
    return { path, bytes: f.lfs?.size ?? f.size, sha256: f.lfs?.oid ?? null, gitOid: f.oid }
  })
  const citation = `${hub.endpoint}/${repo}@${info.sha}`
  if (format === 'gguf') return ggufFacts(model, hub, info.sha, files, citation)
  return safetensorsFacts(model, hub, info.sha, files, citation)
}

async function ggufFacts(model: Model, hub: HubClient, sha: string, files: WeightFile[], citation: string): Promise<ModelFacts> {
  const repo = model.source.repo
  const tensors: TensorBytes[] = []
  const shapes: { name: string; shape: number[] }[] = []
  let metadata: GgufHeader['metadata'] | undefined
  for (const file of files) {
    const header = await readGgufHeader(hub.rangeSource(repo, sha, file.path, file.bytes))
    // Split files repeat no architecture keys after part 1 (gguf-split writes metadata to the first part only).
    metadata ??= header.metadata
    for (const t of header.tensors) {
      tensors.push({ name: t.name, bytes: t.bytes })
      shapes.push({ name: t.name, shape: t.shape })
    }
  }
  if (!metadata) throw new UserError(`${repo}: no GGUF header could be read`)
  // The tensor table of every part: llama.cpp uses token_embd as the output matrix when no output.weight (tied).
  const reading = architectureFromGguf(metadata, { file: files[0]!.path, tensors: shapes })
  const architecture = reading.architecture
  const quant =
    model.quant ??
    files[0]!.path
      .replace(/\.gguf$/i, '')
      .split(/[-_]/)
      .at(-1) ??
    'gguf'
  return {
    repo,
    revision: model.source.revision,
    commit: sha,
    format: 'gguf',
    quant,
    architecture,
    ...(reading.notes.length > 0 ? { notes: reading.notes } : {}),
    weights: { ...weightTotals(tensors, architecture, /(^|\.)ffn_(gate|up|down|gate_up)_exps\./, /^token_embd\./), basis: 'files', files },
    source: 'hub',
    citation,
  }
}

async function safetensorsFacts(model: Model, hub: HubClient, sha: string, files: WeightFile[], citation: string): Promise<ModelFacts> {
  const repo = model.source.repo
  const configText = await hub.readText(repo, sha, 'config.json', MAX_CONFIG_BYTES)
  let config: Record<string, unknown>
  try {
    config = JSON.parse(configText) as Record<string, unknown>
  } catch (error) {
    throw new UserError(`${repo}: config.json is not valid JSON (${(error as Error).message})`)
  }
  const reading = readHfArchitecture(config)
  const architecture = reading.architecture
  const tensors: TensorBytes[] = []
  for (const file of files.filter((f) => /(^|\/)model.*\.safetensors$/.test(f.path))) {
    const header = await readSafetensorsHeader(hub.rangeSource(repo, sha, file.path, file.bytes))
    for (const t of header.tensors) tensors.push({ name: t.name, bytes: t.bytes })
  }
  const quantization = typeof config.quantization === 'object' && config.quantization !== null ? (config.quantization as Record<string, unknown>) : null
  const format: ModelFormat = model.format ?? (quantization ? 'mlx' : 'safetensors')
  return {
    repo,
    revision: model.source.revision,
    commit: sha,
    format,
    quant: model.quant ?? mlxQuantLabel(quantization, architecture),
    architecture,
    ...(reading.notes.length > 0 ? { notes: reading.notes } : {}),
    // Routed experts: HF `mlp.experts.N.*`, mlx-lm SwitchGLU `switch_mlp.*`; shared experts (`shared_expert(s).`) are always read.
    weights: { ...weightTotals(tensors, architecture, /(\.experts\.|\.switch_mlp\.)/, /(^|\.)embed_tokens\./), basis: 'files', files },
    source: 'hub',
    citation,
  }
}

/** "4bit", "8bit", "mxfp4" … from config.json's quantization block (mlx_lm.convert writes {group_size, bits, mode}). */
export function mlxQuantLabel(quantization: Record<string, unknown> | null, architecture: Pick<Architecture, 'dtype'> | null): string {
  if (!quantization) return architecture?.dtype === 'float16' ? 'fp16' : architecture?.dtype === 'float32' ? 'fp32' : 'bf16'
  const mode = typeof quantization.mode === 'string' ? quantization.mode : 'affine'
  const bits = typeof quantization.bits === 'number' ? quantization.bits : undefined
  if (mode !== 'affine') return mode
  return bits === undefined ? 'quantized' : `${bits}bit`
}

/**
 * Totals from a tensor table. Per decoded token an engine reads every tensor except: the routed experts it does not
 * use (a token uses expertsPerToken of numExperts), and the embedding table, of which it reads one row — unless the
 * embedding doubles as the output matrix (tied), which is read in full.
 */
function weightTotals(tensors: readonly TensorBytes[], arch: Architecture | null, routed: RegExp, embedding: RegExp): { totalBytes: number; activeBytesPerToken: number } {
  let totalBytes = 0
  let routedBytes = 0
  let embeddingBytes = 0
  for (const t of tensors) {
    totalBytes += t.bytes
    if (routed.test(t.name) && !/shared_expert/.test(t.name)) routedBytes += t.bytes
    else if (embedding.test(t.name)) embeddingBytes += t.bytes
  }
  // Without an architecture every expert counts as read (pessimistic speed) and the embedding as not read.
  const expertShare = arch?.moe ? arch.moe.expertsPerToken / arch.moe.numExperts : 1
  const tied = arch?.tieWordEmbeddings === true
  const rowShare = arch && arch.vocabSize > 0 ? 1 / arch.vocabSize : 0
  const unusedEmbedding = tied ? 0 : embeddingBytes * (1 - rowShare)
  return { totalBytes, activeBytesPerToken: Math.round(totalBytes - routedBytes * (1 - expertShare) - unusedEmbedding) }
}
