/**
 * Sizing facts without the network: the architecture from fleet's built-in catalog of published config.json files
 * (src/catalog/model-configs.ts, each with its source), and the weight bytes computed from the real tensor shapes and
 * the quantization layout (src/sizing/weights.ts). Returns undefined for a model the catalog does not know.
 */
import { findCatalogEntry } from '../catalog/model-configs.ts'
import type { Model } from '../config/types.ts'
import { architectureFromHfConfig } from '../model/hf-config.ts'
import { modelTensors, type TensorSpec } from '../sizing/tensors.ts'
import { activeWeightBytesPerToken, ggufWeightBytes, mlxModulePath, mlxWeightBytes, type MlxQuantization } from '../sizing/weights.ts'
import type { ModelFacts } from './facts.ts'
import { inferFormat } from '../config/normalize.ts'
import { UserError } from '../errors.ts'

/** The quant a repo name implies: "-4bit", "-8bit", "-MXFP4-Q8", "-bf16" (mlx-community's naming). */
export function quantFromRepoName(repo: string): string | null {
  const name = repo.split('/')[1] ?? ''
  const match = /-(\d+bit|MXFP4-Q8|mxfp4|mxfp8|nvfp4|bf16|fp16)$/i.exec(name)
  return match ? match[1]!.toLowerCase() : null
}

/**
 * The MLX quantization a label stands for. `Nbit` is mlx_lm.convert's affine default (group size 64, mlx-lm
 * utils.py quantize_model defaults); `mxfp4-q8` is gpt-oss's recipe on mlx-community: experts MXFP4 (group 32),
 * everything else 8-bit affine.
 */
export function mlxQuantization(label: string, tensors: readonly TensorSpec[], modelType: string): MlxQuantization {
  const bits = /^(\d+)bit$/.exec(label)
  if (bits) return { mode: 'affine', bits: Number(bits[1]), groupSize: 64 }
  if (label === 'bf16' || label === 'fp16') return { mode: 'none', bits: 16, groupSize: 64 }
  if (label === 'mxfp4' || label === 'mxfp8' || label === 'nvfp4') return { mode: label, bits: label === 'mxfp8' ? 8 : 4, groupSize: label === 'nvfp4' ? 16 : 32 }
  if (label === 'mxfp4-q8') {
    const overrides: Record<string, { bits: number; groupSize: number; mode: 'mxfp4' }> = {}
    for (const t of tensors)
      if (t.role === 'ffn_gate_exps' || t.role === 'ffn_up_exps' || t.role === 'ffn_down_exps') overrides[mlxModulePath(t, modelType)] = { bits: 4, groupSize: 32, mode: 'mxfp4' }
    return { mode: 'affine', bits: 8, groupSize: 64, overrides }
  }
  throw new UserError(`fleet does not know the MLX quantization "${label}"`, { hint: 'Use 2bit–8bit, mxfp4, mxfp8, nvfp4, bf16 or fp16, or let fleet read the repo from the Hub once' })
}

export function factsFromCatalog(model: Model): ModelFacts | undefined {
  const entry = findCatalogEntry(model.source.repo)
  if (!entry) return undefined
  const architecture = architectureFromHfConfig({ ...entry.config, ...(entry.derived ? { derived: entry.derived } : {}) })
  const tensors = modelTensors(architecture)
  const format = model.format ?? inferFormat(model.source.repo, model.quant) ?? 'safetensors'
  const citation = `fleet catalog: ${entry.repo} config.json (${entry.sources[0] ?? 'see docs/models.md'})`
  if (format === 'gguf') {
    if (model.quant === null) {
      throw new UserError(`${model.source.repo} is a GGUF repo: fleet needs quant: to know which file to size`, { hint: 'Add quant: Q4_K_M (or the quant you deploy) to the model' })
    }
    const sized = ggufWeightBytes(architecture, tensors, model.quant)
    return {
      repo: model.source.repo,
      revision: model.source.revision,
      commit: null,
      format,
      quant: model.quant.toUpperCase(),
      architecture,
      weights: { totalBytes: sized.totalBytes, activeBytesPerToken: Math.round(activeWeightBytesPerToken(sized.tensors, sized.byTensor, architecture)), basis: 'computed', files: [] },
      source: 'catalog',
      citation,
    }
  }
  const label = (model.quant ?? quantFromRepoName(model.source.repo) ?? (format === 'safetensors' ? 'bf16' : null))?.toLowerCase()
  if (!label) {
    throw new UserError(`fleet cannot tell how ${model.source.repo} is quantized without reading its config.json`, {
      hint: 'Add quant: (e.g. 4bit) to the model, or run fleet plan with network access once',
    })
  }
  const sized = mlxWeightBytes(architecture, tensors, mlxQuantization(label, tensors, architecture.modelType))
  return {
    repo: model.source.repo,
    revision: model.source.revision,
    commit: null,
    format,
    quant: label,
    architecture,
    weights: { totalBytes: sized.totalBytes, activeBytesPerToken: Math.round(activeWeightBytesPerToken(tensors, sized.byTensor, architecture)), basis: 'computed', files: [] },
    source: 'catalog',
    citation,
  }
}
