/**
 * `fleet bench`'s measurement of one running deployment, as careful people do it: one untimed warm-up request, then
 * for each prompt length (up to the deployment's context) and each concurrency (1 and `parallel` streams), several
 * repetitions; each point keeps the mean and spread of the time to first token and of the per-stream decode speed,
 * next to what the plan predicts there, and the figures calibration needs. UI-free; the streaming request is injected.
 */
import type { SpeedInputs } from '../sizing/speed.ts'
import { decodeSecondsAt, fixedTokenSeconds, prefillSecondsFor, promptFlops } from '../sizing/speed.ts'
import { REFERENCE_LAYERS, SPEED_CONSTANTS } from '../sizing/speed-constants.ts'
import { findChip } from '../catalog/chips.ts'
import type { CalibrationPoint } from './calibrate.ts'
import type { StreamRequest, StreamResult } from './stream.ts'

export interface Spread {
  readonly mean: number
  readonly min: number
  readonly max: number
}

export interface BenchPoint {
  /** Prompt tokens asked for, and what the server counted (when it says). */
  readonly promptTokens: number
  readonly measuredPromptTokens: number | null
  readonly concurrency: number
  readonly repetitions: number
  readonly ttftSeconds: Spread
  /** Per stream. */
  readonly decodeTokensPerSecond: Spread
  readonly predicted: { readonly ttftSeconds: number | null; readonly decodeTokensPerSecond: number | null }
}

export interface BenchResult {
  readonly deployment: string
  readonly machine: string
  readonly engine: string
  readonly url: string
  readonly points: readonly BenchPoint[]
  /** Single-stream points in calibration form (empty when the model could not be sized). */
  readonly calibration: readonly CalibrationPoint[]
  readonly errors: readonly string[]
  /** The server's real memory when it was measured (the machine's footprint figure, see fleet status). */
  readonly memory?: { readonly bytes: number; readonly source: string } | null
}

export interface BenchTarget {
  readonly deployment: string
  readonly machine: string
  readonly engine: string
  /** POST /v1/completions of the deployment, and the model name requests must carry. */
  readonly url: string
  readonly model: string
  readonly context: number
  readonly parallel: number
  /** What the speed model reads for it; null when the model could not be sized. */
  readonly speed: SpeedInputs | null
}

export interface BenchOptions {
  readonly repetitions: number
  readonly maxTokens: number
  readonly lengths?: readonly number[]
  readonly timeoutMs: number
  readonly signal?: AbortSignal
  readonly stream: (request: StreamRequest) => Promise<StreamResult>
  readonly onProgress?: (message: string) => void
}

/** Prompt lengths: 128, 512, 2K, 8K, 32K, 128K … that leave room for the answer in the context. */
export function promptLengths(context: number, maxTokens: number): number[] {
  const room = context - maxTokens - 16
  const lengths = [128, 512, 2048, 8192, 32768, 131072].filter((n) => n <= room)
  return lengths.length > 0 ? lengths : [Math.max(8, Math.floor(room / 2))]
}

/**
 * " hello" is one token in the vocabularies of the Llama, Qwen, Mistral and Gemma families; the server's count is kept.
 * Each request starts with its own number, so no server can answer it from a cached prefix of an earlier one (every
 * engine fleet runs reuses a shared prompt prefix, which would make the time to first token meaningless).
 */
export function promptOf(tokens: number, nonce: number): string {
  return `${nonce} ${'hello '.repeat(Math.max(1, tokens - 1))}`.trimEnd()
}

function spread(values: readonly number[]): Spread {
  return { mean: values.reduce((a, b) => a + b, 0) / values.length, min: Math.min(...values), max: Math.max(...values) }
}

export async function benchDeployment(target: BenchTarget, options: BenchOptions): Promise<BenchResult> {
  const errors: string[] = []
  let nonce = Math.floor(Math.random() * 1e9)
  const request = (tokens: number): StreamRequest => ({
    url: target.url,
    model: target.model,
    prompt: promptOf(tokens, (nonce += 1)),
    maxTokens: options.maxTokens,
    timeoutMs: options.timeoutMs,
    ...(options.signal ? { signal: options.signal } : {}),
  })
  // Warm-up, not timed: the first request pays for graph compilation and cache allocation.
  const warm = await options.stream(request(32))
  if (!warm.ok) return { deployment: target.deployment, machine: target.machine, engine: target.engine, url: target.url, points: [], calibration: [], errors: [warm.reason] }
  const points: BenchPoint[] = []
  const calibration: CalibrationPoint[] = []
  const lengths = options.lengths ?? promptLengths(target.context, options.maxTokens)
  for (const tokens of lengths) {
    for (const concurrency of new Set([1, target.parallel])) {
      const ttfts: number[] = []
      const decodes: number[] = []
      let counted: number | null = null
      for (let r = 0; r < options.repetitions && !options.signal?.aborted; r += 1) {
        const results = await Promise.all(Array.from({ length: concurrency }, () => options.stream(request(tokens))))
        for (const result of results) {
          if (!result.ok) {
            errors.push(result.reason)
            continue
          }
          ttfts.push(result.ttftSeconds)
          if (result.decodeTokensPerSecond !== null) decodes.push(result.decodeTokensPerSecond)
          counted = result.promptTokens ?? counted
        }
      }
      if (ttfts.length === 0 || decodes.length === 0) continue
      options.onProgress?.(`${target.deployment}: ${tokens} prompt tokens × ${concurrency} stream${concurrency === 1 ? '' : 's'}: ${spread(decodes).mean.toFixed(1)} tok/s`)
      const context = (counted ?? tokens) + options.maxTokens / 2
      const s = target.speed
      const predictedDecode = s ? 1 / decodeSecondsAt(s, context) : null
      points.push({
        promptTokens: tokens,
        measuredPromptTokens: counted,
        concurrency,
        repetitions: options.repetitions,
        ttftSeconds: spread(ttfts),
        decodeTokensPerSecond: spread(decodes),
        // Single-stream predictions (the plan's figures): with several streams each one is slower than this.
        predicted: { ttftSeconds: s ? prefillSecondsFor(s, counted ?? tokens) : null, decodeTokensPerSecond: predictedDecode },
      })
      if (s && concurrency === 1) {
        const tier = findChip(s.machine.chip)?.tier ?? 'base'
        const fitted = SPEED_CONSTANTS[s.speedFamily][tier]
        calibration.push({
          bytesPerToken: s.activeWeightBytes + s.cacheBytesAt(context),
          secondsPerToken: 1 / spread(decodes).mean,
          depth: s.architecture.layers.length / REFERENCE_LAYERS,
          moeSeconds: fixedTokenSeconds({ perTokenSeconds: 0, moeLayerSeconds: fitted.moeLayerSeconds }, s.architecture),
          promptFlops: promptFlops(s, counted ?? tokens),
          // The first token also costs one decode step (and the request's own overhead, which this leaves in).
          ttftSeconds: Math.max(0, spread(ttfts).mean - 1 / spread(decodes).mean),
        })
      }
    }
  }
  return { deployment: target.deployment, machine: target.machine, engine: target.engine, url: target.url, points, calibration, errors: [...new Set(errors)] }
}
