/**
 * GGUF metadata → Architecture, for GGUF repos (which carry no config.json).
 *
 * One generic path for every architecture: llama.cpp writes the same hyperparameter keys for every model, prefixed
 * with `general.architecture` (gguf-py/gguf/constants.py Keys, src/llama-arch.cpp LLM_KV_*: block_count,
 * embedding_length, attention.head_count[_kv], attention.key_length/value_length, attention.sliding_window[_pattern],
 * expert_count/expert_used_count/expert_feed_forward_length, attention.kv_lora_rank/key_length_mla, ssm.*), per-layer
 * values as arrays. The only per-architecture knowledge is what llama.cpp itself hard-codes in each model's
 * `load_arch_hparams` (src/models/<arch>.cpp, read at the build node-llama-cpp bundles, docs/sizing.md §GGUF):
 * the sliding-window period and default window when the file has no pattern, and which layers are recurrent.
 *
 * Nothing here refuses a model: a key that is missing or that contradicts the tensor table becomes a note naming the
 * key and the file, and the caller still sizes what it can (the weights come from the tensor table regardless).
 */
import type { GgufTensorInfo, GgufValue } from '../formats/gguf.ts'
import type { Architecture, LayerKind, LayerSpec, MlaSpec, MoeSpec } from './architecture.ts'

/** GGUF general.architecture → the HF model_type fleet's tensor tables use for the same family (others keep their GGUF name). */
export const GGUF_ARCHITECTURES: Readonly<Record<string, string>> = {
  llama: 'llama',
  llama4: 'llama4',
  qwen2: 'qwen2',
  qwen2moe: 'qwen2_moe',
  qwen3: 'qwen3',
  qwen3moe: 'qwen3_moe',
  qwen3next: 'qwen3_next',
  gemma2: 'gemma2',
  gemma3: 'gemma3_text',
  'gpt-oss': 'gpt_oss',
  deepseek2: 'deepseek_v3',
  granite: 'granite',
  granitemoe: 'granitemoe',
  granitehybrid: 'granitemoehybrid',
  phi3: 'phi3',
  phimoe: 'phimoe',
  glm4: 'glm4',
  glm4moe: 'glm4_moe',
  olmoe: 'olmoe',
  olmo2: 'olmo2',
  'command-r': 'cohere',
  cohere2: 'cohere2',
}

/**
 * Sliding-window defaults llama.cpp applies when the file carries no `attention.sliding_window_pattern` array
 * (`load_swa_pattern(ml, period, denseFirst)` in src/models/<arch>.cpp). `window` is the n_swa it assumes when the
 * file has no `attention.sliding_window`; `needsWindow` marks architectures that use SWA only when the file sets a
 * window > 0 (gemma3, olmo2). Layer il is SWA iff il % period < period − 1, or with denseFirst iff il % period ≠ 0
 * (llama_hparams::set_swa_pattern, src/llama-hparams.cpp). llama4's "chunked" attention caches like SWA.
 */
interface SwaDefault {
  readonly period: number
  readonly denseFirst?: boolean
  readonly window?: number
  readonly needsWindow?: boolean
  /** Only when the model has this many blocks (exaone4: the 32B uses SWA, the 1.2B does not). */
  readonly onlyWithLayers?: number
}
const SWA_DEFAULTS: Readonly<Record<string, SwaDefault>> = {
  gemma2: { period: 2, window: 4096 },
  gemma3: { period: 6, needsWindow: true },
  gemma3n: { period: 5 },
  cohere2: { period: 4 },
  cohere2moe: { period: 4, denseFirst: true },
  'gpt-oss': { period: 2 },
  llama4: { period: 4, window: 8192 },
  olmo2: { period: 4, needsWindow: true },
  exaone4: { period: 4, window: 4096, onlyWithLayers: 64 },
  'exaone-moe': { period: 4, window: 128 },
  afmoe: { period: 4, needsWindow: true },
  smallthinker: { period: 4, denseFirst: true, window: 4096 },
  mellum: { period: 4, needsWindow: true },
  plamo3: { period: 8, needsWindow: true },
}

/** Architectures whose SWA keys llama.cpp ignores (phi3: "Phi SWA is currently disabled", src/models/phi3.cpp). */
const SWA_IGNORED: ReadonlySet<string> = new Set(['phi3', 'llama', 'mistral3', 'qwen2', 'qwen3'])

/** Gated-delta-net hybrids: recurrent unless (il + 1) % full_attention_interval == 0 (src/models/qwen3next.cpp, qwen35.cpp). */
const DELTA_NET_HYBRIDS: ReadonlySet<string> = new Set(['qwen3next', 'qwen35', 'qwen35moe'])
/** Mamba2 hybrids: a layer with head_count_kv 0 is recurrent (src/models/granite-hybrid.cpp, jamba.cpp). */
const MAMBA_HYBRIDS: ReadonlySet<string> = new Set(['granitehybrid', 'jamba'])
/** Pure state-space models: every layer is recurrent. */
const MAMBA_ONLY: ReadonlySet<string> = new Set(['mamba', 'mamba2'])

type Metadata = ReadonlyMap<string, GgufValue>

export interface GgufArchitectureReading {
  /** Null when the file lacks what any cache estimate needs (block count, embedding width, heads). */
  readonly architecture: Architecture | null
  /** What fleet assumed or could not check, each naming the key (and the file when given). */
  readonly notes: readonly string[]
}

export interface GgufReadContext {
  /** The file's name in the repo, for notes. */
  readonly file?: string
  /** The tensor table, to check the hyperparameters against the shapes. */
  readonly tensors?: readonly Pick<GgufTensorInfo, 'name' | 'shape'>[]
}

function numberOf(value: GgufValue | undefined): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined
  if (typeof value === 'bigint' && value <= BigInt(Number.MAX_SAFE_INTEGER)) return Number(value)
  return undefined
}

/** A per-layer value: either one number for every layer or an array with one entry per layer. */
function perLayer(value: GgufValue | undefined, layers: number, fallback: number): number[] {
  if (Array.isArray(value)) return Array.from({ length: layers }, (_, i) => numberOf(value[i]) ?? fallback)
  const single = numberOf(value)
  return Array.from({ length: layers }, () => single ?? fallback)
}

/** The largest entry of a scalar-or-array key (head_count may be per layer). */
function maxOf(value: GgufValue | undefined): number | undefined {
  if (Array.isArray(value)) {
    const numbers = value.map((v) => numberOf(v)).filter((v): v is number => v !== undefined)
    return numbers.length > 0 ? Math.max(...numbers) : undefined
  }
  return numberOf(value)
}

export function architectureFromGguf(metadata: Metadata, context: GgufReadContext = {}): GgufArchitectureReading {
  const notes: string[] = []
  const where = context.file ? ` in ${context.file}` : ''
  const rawArch = metadata.get('general.architecture')
  if (typeof rawArch !== 'string' || rawArch === '') {
    return { architecture: null, notes: [`general.architecture is missing${where}: the KV cache and buffers are not sized, only the weights`] }
  }
  const arch = rawArch
  const key = (name: string): GgufValue | undefined => metadata.get(`${arch}.${name}`)
  const missing: string[] = []
  const required = (name: string): number => {
    const value = maxOf(key(name))
    if (value === undefined || value <= 0) missing.push(`${arch}.${name}`)
    return value ?? 0
  }
  const numLayers = required('block_count')
  const hiddenSize = required('embedding_length')
  const numHeads = required('attention.head_count')
  if (missing.length > 0) {
    return { architecture: null, notes: [`${missing.join(', ')} ${missing.length === 1 ? 'is' : 'are'} missing${where}: the KV cache and buffers are not sized, only the weights`] }
  }
  if (!(arch in GGUF_ARCHITECTURES)) {
    notes.push(`GGUF architecture "${arch}" is sized by the generic rules (standard ${arch}.* keys); check the figures against a first run`)
  }

  const kvHeads = perLayer(key('attention.head_count_kv'), numLayers, numHeads)
  const headDimK = numberOf(key('attention.key_length')) ?? hiddenSize / numHeads
  const headDimV = numberOf(key('attention.value_length')) ?? headDimK
  const headDimKSwa = numberOf(key('attention.key_length_swa')) ?? headDimK
  const headDimVSwa = numberOf(key('attention.value_length_swa')) ?? headDimV
  const tokens = metadata.get('tokenizer.ggml.tokens')
  const embedRows = context.tensors?.find((t) => t.name === 'token_embd.weight')?.shape[1]
  let vocabSize = numberOf(key('vocab_size')) ?? (Array.isArray(tokens) ? tokens.length : undefined)
  if (vocabSize === undefined) {
    vocabSize = embedRows ?? 0
    notes.push(`${arch}.vocab_size and tokenizer.ggml.tokens are missing${where}: ${embedRows !== undefined ? 'the vocabulary is read from token_embd.weight' : 'the output buffers are not sized'}`)
  }

  const window = swaWindow(key, arch, numLayers)
  const kinds = layerKinds(metadata, arch, numLayers, kvHeads, window, notes, where)
  const mla = mlaOf(key)
  const moe = moeOf(key)
  const leadingDense = numberOf(key('leading_dense_block_count')) ?? 0
  const moeStep = numberOf(key('interleave_moe_layer_step')) ?? 1
  const layers: LayerSpec[] = kinds.map((kind, i) => {
    const moeLayer = moe !== null && i >= leadingDense && (moeStep <= 1 || (i + 1) % moeStep === 0)
    if (mla && kind === 'full') return { kind: 'mla', kvHeads: 1, headDimK: mla.kvLoraRank + mla.qkRopeHeadDim, headDimV: mla.kvLoraRank, window: null, moe: moeLayer }
    if (kind === 'full') return { kind, kvHeads: kvHeads[i]!, headDimK, headDimV, window: null, moe: moeLayer }
    if (kind === 'sliding') return { kind, kvHeads: kvHeads[i]!, headDimK: headDimKSwa, headDimV: headDimVSwa, window, moe: moeLayer }
    return { kind, kvHeads: 0, headDimK: 0, headDimV: 0, window: null, moe: moeLayer }
  })
  const ropeType = metadata.get(`${arch}.rope.scaling.type`)
  const ropeFactor = numberOf(key('rope.scaling.factor'))
  const contextLength = numberOf(key('context_length'))
  if (contextLength === undefined) notes.push(`${arch}.context_length is missing${where}: the trained context is unknown, so contexts are not checked against it`)
  const architecture: Architecture = {
    modelType: GGUF_ARCHITECTURES[arch] ?? arch,
    hiddenSize,
    vocabSize,
    numHeads,
    headDim: headDimK,
    intermediateSize: maxOf(key('feed_forward_length')) ?? 0,
    layers,
    // 0: unknown (consumers skip the trained-context checks).
    trainedContext: contextLength ?? 0,
    ropeScaling:
      typeof ropeType === 'string' && ropeType !== 'none' && ropeFactor !== undefined
        ? { type: ropeType, factor: ropeFactor, originalContext: numberOf(key('rope.scaling.original_context_length')) ?? null }
        : null,
    // llama.cpp reuses token_embd when a file has no output.weight; the tensor table tells, callers may override.
    tieWordEmbeddings: context.tensors ? !context.tensors.some((t) => t.name === 'output.weight') : false,
    dtype: 'float16',
    moe,
    mla,
    linear: linearOf(key, arch, layers, notes, where),
    mamba: mambaOf(key, layers, notes, where, arch),
    extras: {},
  }
  if (context.tensors) notes.push(...shapeContradictions(architecture, arch, context.tensors, where))
  return { architecture, notes }
}

function swaWindow(key: (name: string) => GgufValue | undefined, arch: string, numLayers: number): number | null {
  const declared = numberOf(key('attention.sliding_window'))
  if (SWA_IGNORED.has(arch)) return null
  const defaults = SWA_DEFAULTS[arch]
  if (declared !== undefined) return declared > 0 ? declared : null
  if (defaults?.window !== undefined && (defaults.onlyWithLayers === undefined || defaults.onlyWithLayers === numLayers)) return defaults.window
  return null
}

function layerKinds(metadata: Metadata, arch: string, numLayers: number, kvHeads: readonly number[], window: number | null, notes: string[], where: string): LayerKind[] {
  const key = (name: string): GgufValue | undefined => metadata.get(`${arch}.${name}`)
  const all = (kind: LayerKind): LayerKind[] => Array.from({ length: numLayers }, () => kind)
  if (MAMBA_ONLY.has(arch)) return all('mamba')
  const recurrentList = key('attention.recurrent_layers')
  if (DELTA_NET_HYBRIDS.has(arch)) {
    if (Array.isArray(recurrentList) && recurrentList.length >= numLayers) return recurrentList.slice(0, numLayers).map((r) => (r === true || r === 1 ? 'linear' : 'full'))
    const interval = numberOf(key('full_attention_interval')) ?? 4
    return Array.from({ length: numLayers }, (_, i) => ((i + 1) % interval === 0 ? 'full' : 'linear'))
  }
  if (MAMBA_HYBRIDS.has(arch)) return kvHeads.map((h) => (h === 0 ? 'mamba' : 'full'))
  if (kvHeads.some((h) => h === 0)) {
    notes.push(`${arch}.attention.head_count_kv is 0 for some layers${where}: fleet treats them as layers without a KV cache and does not count any recurrent state they keep`)
  }
  const attentionKind = (i: number, swa: boolean): LayerKind => (kvHeads[i] === 0 ? 'linear' : swa ? 'sliding' : 'full')
  if (window === null) return Array.from({ length: numLayers }, (_, i) => attentionKind(i, false))
  const pattern = key('attention.sliding_window_pattern')
  if (Array.isArray(pattern)) {
    if (pattern.length < numLayers) notes.push(`${arch}.attention.sliding_window_pattern has ${pattern.length} entries for ${numLayers} blocks${where}: the missing layers count as full attention`)
    return Array.from({ length: numLayers }, (_, i) => attentionKind(i, pattern[i] === true || pattern[i] === 1))
  }
  const defaults = SWA_DEFAULTS[arch]
  const period = numberOf(pattern) ?? defaults?.period
  if (period === undefined) {
    // A window with neither a pattern nor a known period: llama.cpp's default pattern is every layer dense
    // (llama_hparams::is_swa_impl zero-initialised), so the window does not shrink the cache.
    return Array.from({ length: numLayers }, (_, i) => attentionKind(i, false))
  }
  const denseFirst = defaults?.denseFirst === true
  // llama_hparams::set_swa_pattern(n, dense_first); n = 0 makes every layer SWA.
  return Array.from({ length: numLayers }, (_, i) => attentionKind(i, period === 0 || (denseFirst ? i % period !== 0 : i % period < period - 1)))
}

/**
 * Multi-head latent attention, wherever the file carries its lengths (deepseek2, kimi, glm4.7-flash …). Files converted
 * before MLA support lack the *_mla keys; llama.cpp then caches full per-head K/V like MHA.
 */
function mlaOf(key: (name: string) => GgufValue | undefined): MlaSpec | null {
  const kvLoraRank = numberOf(key('attention.kv_lora_rank'))
  const rope = numberOf(key('rope.dimension_count'))
  const keyMla = numberOf(key('attention.key_length_mla'))
  const valueMla = numberOf(key('attention.value_length_mla'))
  if (kvLoraRank === undefined || kvLoraRank === 0 || rope === undefined || keyMla === undefined || valueMla === undefined) return null
  return { kvLoraRank, qLoraRank: numberOf(key('attention.q_lora_rank')) ?? null, qkRopeHeadDim: rope, qkNopeHeadDim: keyMla - rope, vHeadDim: valueMla }
}

function moeOf(key: (name: string) => GgufValue | undefined): MoeSpec | null {
  const experts = numberOf(key('expert_count'))
  if (experts === undefined || experts === 0) return null
  const expertSize = maxOf(key('expert_feed_forward_length')) ?? maxOf(key('feed_forward_length')) ?? 0
  const shared = numberOf(key('expert_shared_count')) ?? 0
  return {
    numExperts: experts,
    expertsPerToken: maxOf(key('expert_used_count')) ?? 1,
    numSharedExperts: shared,
    expertIntermediateSize: expertSize,
    sharedIntermediateSize: numberOf(key('expert_shared_feed_forward_length')) ?? shared * expertSize,
  }
}

/** llama.cpp stores the gated delta net dims as ssm.* (convert_hf_to_gguf.py Qwen3NextModel). */
function linearOf(key: (name: string) => GgufValue | undefined, arch: string, layers: readonly LayerSpec[], notes: string[], where: string): Architecture['linear'] {
  if (!layers.some((l) => l.kind === 'linear') || !DELTA_NET_HYBRIDS.has(arch)) return null
  const groups = numberOf(key('ssm.group_count'))
  const heads = numberOf(key('ssm.time_step_rank'))
  const state = numberOf(key('ssm.state_size'))
  const inner = numberOf(key('ssm.inner_size'))
  const conv = numberOf(key('ssm.conv_kernel'))
  if (groups === undefined || heads === undefined || state === undefined || inner === undefined || conv === undefined || heads === 0) {
    notes.push(`${arch}.ssm.* (group_count, time_step_rank, state_size, inner_size, conv_kernel) incomplete${where}: the linear-attention state is not counted`)
    return null
  }
  return { numKeyHeads: groups, numValueHeads: heads, keyHeadDim: state, valueHeadDim: inner / heads, convKernel: conv }
}

function mambaOf(key: (name: string) => GgufValue | undefined, layers: readonly LayerSpec[], notes: string[], where: string, arch: string): Architecture['mamba'] {
  if (!layers.some((l) => l.kind === 'mamba')) return null
  const inner = numberOf(key('ssm.inner_size'))
  const state = numberOf(key('ssm.state_size'))
  const conv = numberOf(key('ssm.conv_kernel'))
  // Mamba2 stores its head count as ssm.time_step_rank; Mamba1 has one "head" of the whole inner width.
  const heads = numberOf(key('ssm.time_step_rank'))
  if (inner === undefined || state === undefined || conv === undefined) {
    notes.push(`${arch}.ssm.* (inner_size, state_size, conv_kernel) incomplete${where}: the Mamba state is not counted`)
    return null
  }
  const numHeads = heads !== undefined && heads > 0 && arch !== 'mamba' ? heads : 1
  return { dState: state, numHeads, headDim: inner / numHeads, numGroups: numberOf(key('ssm.group_count')) ?? 1, convKernel: conv, dInner: inner }
}

/** Hyperparameters the tensor table contradicts: each a note naming the key, the tensor and the file. */
function shapeContradictions(a: Architecture, arch: string, tensors: readonly Pick<GgufTensorInfo, 'name' | 'shape'>[], where: string): string[] {
  const found: string[] = []
  const byName = new Map(tensors.map((t) => [t.name, t.shape]))
  const blocks = tensors.reduce((max, t) => {
    const m = /^blk\.(\d+)\./.exec(t.name)
    return m ? Math.max(max, Number(m[1]) + 1) : max
  }, 0)
  if (blocks > a.layers.length)
    found.push(`${arch}.block_count says ${a.layers.length} but the tensor table has blocks up to blk.${blocks - 1}${where}: the cache is sized for ${a.layers.length} layers`)
  const embd = byName.get('token_embd.weight')
  if (embd && embd[0] !== a.hiddenSize) found.push(`${arch}.embedding_length says ${a.hiddenSize} but token_embd.weight rows have ${embd[0]} elements${where}`)
  if (embd && a.vocabSize > 0 && embd[1] !== undefined && embd[1] !== a.vocabSize) found.push(`the vocabulary has ${a.vocabSize} entries but token_embd.weight has ${embd[1]} rows${where}`)
  a.layers.forEach((layer, i) => {
    if (layer.kind !== 'full' && layer.kind !== 'sliding') return
    const k = byName.get(`blk.${i}.attn_k.weight`)
    if (k && k[1] !== undefined && k[1] !== layer.kvHeads * layer.headDimK && found.length < 8) {
      found.push(
        `${arch}.attention.head_count_kv × key_length gives ${layer.kvHeads} × ${layer.headDimK} = ${layer.kvHeads * layer.headDimK} for layer ${i}, but blk.${i}.attn_k.weight has ${k[1]} outputs${where}`,
      )
    }
  })
  return found
}
