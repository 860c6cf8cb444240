/**
 * Which files of a repo an engine loads. MLX/safetensors: the patterns mlx-lm passes to snapshot_download
 * (mlx_lm/utils.py DEFAULT_ALLOW_PATTERNS); GGUF: the selected quant's file, or all parts of a split file.
 */
import type { ModelFormat } from '../catalog/engines.ts'

/** mlx-lm's allow patterns (fnmatch, where `*` also matches `/`). */
export const MLX_ALLOW_PATTERNS = ['*.json', 'model*.safetensors', '*.py', 'tokenizer.model', '*.tiktoken', 'tiktoken.model', '*.txt', '*.jsonl', '*.jinja'] as const

function fnmatch(pattern: string, path: string): boolean {
  const regex = new RegExp(
    `^${pattern
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replace(/\*/g, '.*')
      .replace(/\?/g, '.')}$`,
  )
  return regex.test(path)
}

export function isMlxFile(path: string): boolean {
  return MLX_ALLOW_PATTERNS.some((pattern) => fnmatch(pattern, path))
}

/** A quant name as it appears in GGUF file names: "-Q4_K_M.gguf", "-Q4_K_M-00001-of-00002.gguf" or "Q4_K_M/…". */
function quantPattern(quant: string): RegExp {
  const escaped = quant.replace(/[.+^${}()|[\]\\]/g, '\\$&')
  return new RegExp(`(^|[-_./])${escaped}(\\.gguf$|-\\d{5}-of-\\d{5}\\.gguf$|/)`, 'i')
}

export function ggufQuantOf(path: string): string | undefined {
  const match = /[-_.]((?:I?Q\d(?:_[0-9A-Z]+)*)|F16|BF16|F32|MXFP4(?:_MOE)?)(?:-\d{5}-of-\d{5})?\.gguf$/i.exec(path)
  return match?.[1]
}

export type Selection = { ok: true; paths: string[] } | { ok: false; message: string; hint: string }

/** The GGUF file(s) for `quant`, all parts in order. Projector files (mmproj) are never model weights. */
export function selectGgufFiles(paths: readonly string[], quant: string | null): Selection {
  const ggufs = paths.filter((p) => p.toLowerCase().endsWith('.gguf') && !/mmproj/i.test(p))
  if (ggufs.length === 0) return { ok: false, message: 'the repo has no .gguf files', hint: 'Check the source, or use an engine for its format (mlx-lm for MLX repos)' }
  const available = [...new Set(ggufs.map(ggufQuantOf).filter((q): q is string => q !== undefined))].sort()
  if (quant === null) {
    if (ggufs.length === 1) return { ok: true, paths: ggufs }
    return { ok: false, message: `the repo has several GGUF quantizations; quant: must say which`, hint: `Available: ${available.join(', ')}` }
  }
  const pattern = quantPattern(quant)
  const matching = ggufs.filter((p) => pattern.test(p)).sort()
  if (matching.length === 0) return { ok: false, message: `the repo has no ${quant} GGUF file`, hint: `Available: ${available.join(', ') || '(none recognised)'}` }
  // Several matches that are not parts of one split file (e.g. a single file and a split copy): take the first group.
  const groupOf = (p: string): string => p.replace(/-\d{5}-of-\d{5}\.gguf$/i, '')
  const first = groupOf(matching[0]!)
  return { ok: true, paths: matching.filter((p) => groupOf(p) === first) }
}

export function selectEngineFiles(paths: readonly string[], format: ModelFormat, quant: string | null): Selection {
  if (format === 'gguf') return selectGgufFiles(paths, quant)
  const selected = paths.filter(isMlxFile).sort()
  if (!selected.some((p) => /^model.*\.safetensors$/.test(p.split('/').at(-1) ?? ''))) {
    return { ok: false, message: 'the repo has no model*.safetensors files', hint: 'mlx-lm loads model*.safetensors; check the source, or use llama.cpp for GGUF repos' }
  }
  return { ok: true, paths: selected }
}

/** What the file names say the repo's format is, when fleet.yaml does not. */
export function formatFromFiles(paths: readonly string[]): ModelFormat | null {
  if (paths.some((p) => /^(.*\/)?model.*\.safetensors$/.test(p))) return 'mlx'
  if (paths.some((p) => p.toLowerCase().endsWith('.gguf'))) return 'gguf'
  return null
}
