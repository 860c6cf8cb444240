/**
 * Sizes and contexts as users write them. Decimal and binary units are distinct on purpose:
 * `GB` = 10^9 bytes, `GiB` = 2^30 bytes. (Machine RAM is the one exception, see `parseMemorySize`.)
 */
const SIZE_UNITS = {
  B: 1,
  KB: 1e3,
  MB: 1e6,
  GB: 1e9,
  TB: 1e12,
  KiB: 2 ** 10,
  MiB: 2 ** 20,
  GiB: 2 ** 30,
  TiB: 2 ** 40,
} as const
export type SizeUnit = keyof typeof SIZE_UNITS

const SIZE_PATTERN = /^\s*(\d+(?:\.\d+)?)\s*(B|KB|MB|GB|TB|KiB|MiB|GiB|TiB)?\s*$/
/** The same pattern as a JSON-Schema string (kept here so the schema and the parser agree; a test checks it). */
export const SIZE_PATTERN_SOURCE = SIZE_PATTERN.source

export type Parsed<T> = { ok: true; value: T } | { ok: false; message: string }

/** Parses `512GB`, `480GiB`, `16384MB` or a plain byte count into whole bytes. */
export function parseSize(input: string | number): Parsed<number> {
  if (typeof input === 'number') {
    if (!Number.isSafeInteger(input) || input < 0) return { ok: false, message: `${input} is not a whole, non-negative number of bytes` }
    return { ok: true, value: input }
  }
  const match = SIZE_PATTERN.exec(input)
  if (!match) return { ok: false, message: `"${input}" is not a size; write e.g. 24GB (10^9 bytes), 24GiB (2^30 bytes) or a byte count` }
  const unit = (match[2] ?? 'B') as SizeUnit
  const bytes = Math.round(Number(match[1]) * SIZE_UNITS[unit])
  if (!Number.isSafeInteger(bytes)) return { ok: false, message: `"${input}" is too large` }
  return { ok: true, value: bytes }
}

/**
 * Installed RAM as Apple sells it. Apple's "512GB" of unified memory is 512 GiB (`sysctl hw.memsize` prints
 * 549755813888), so here a bare `GB` means GiB. `GiB` means the same; a plain number is exact bytes.
 */
export function parseMemorySize(input: string | number): Parsed<number> {
  if (typeof input === 'string') {
    const match = /^\s*(\d+(?:\.\d+)?)\s*(GB|GiB|TB|TiB)\s*$/.exec(input)
    if (match) {
      const scale = match[2]!.startsWith('T') ? 2 ** 40 : 2 ** 30
      return { ok: true, value: Math.round(Number(match[1]) * scale) }
    }
  }
  return parseSize(input)
}

const CONTEXT_PATTERN = /^\s*(\d+(?:\.\d+)?)\s*([kKmM])?\s*$/
export const CONTEXT_PATTERN_SOURCE = CONTEXT_PATTERN.source

/** Parses a context length: `32k` = 32768 tokens (k = 1024, as model cards use it), `1M` = 1048576, or a plain count. */
export function parseContext(input: string | number): Parsed<number> {
  let value: number
  if (typeof input === 'number') {
    value = input
  } else {
    const match = CONTEXT_PATTERN.exec(input)
    if (!match) return { ok: false, message: `"${input}" is not a context length; write e.g. 32k (32768 tokens) or 32768` }
    const scale = match[2] === undefined ? 1 : match[2].toLowerCase() === 'k' ? 1024 : 1024 * 1024
    value = Number(match[1]) * scale
  }
  if (!Number.isSafeInteger(value)) return { ok: false, message: `${input} is not a whole number of tokens` }
  if (value < 1) return { ok: false, message: `a context of ${value} tokens cannot hold a prompt; use at least 1 (typically 4k or more)` }
  return { ok: true, value }
}

const BANDWIDTH_PATTERN = /^\s*(\d+(?:\.\d+)?)\s*(GB\/s|TB\/s)\s*$/
export const BANDWIDTH_PATTERN_SOURCE = BANDWIDTH_PATTERN.source

/** Memory bandwidth as Apple quotes it (`819GB/s`, decimal) into bytes per second. */
export function parseBandwidth(input: string | number): Parsed<number> {
  if (typeof input === 'number') return input > 0 ? { ok: true, value: input * 1e9 } : { ok: false, message: 'bandwidth must be positive' }
  const match = BANDWIDTH_PATTERN.exec(input)
  if (!match) return { ok: false, message: `"${input}" is not a bandwidth; write e.g. 819GB/s` }
  return { ok: true, value: Number(match[1]) * (match[2] === 'TB/s' ? 1e12 : 1e9) }
}

/** Formats bytes in binary units, the way the plan shows memory (GiB with one decimal). */
export function formatGiB(bytes: number, digits = 1): string {
  return `${(bytes / 2 ** 30).toFixed(digits)} GiB`
}

export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'] as const
  let value = bytes
  let index = 0
  while (value >= 1024 && index < units.length - 1) {
    value /= 1024
    index++
  }
  return index === 0 ? `${bytes} B` : `${value.toFixed(1)} ${units[index]}`
}

/** Formats a token count the way users write it: 32768 → "32K", 40960 → "40K", 1000 → "1000". */
export function formatContext(tokens: number): string {
  if (tokens >= 1024 * 1024 && tokens % (1024 * 1024) === 0) return `${tokens / (1024 * 1024)}M`
  if (tokens >= 1024 && tokens % 1024 === 0) return `${tokens / 1024}K`
  return String(tokens)
}
