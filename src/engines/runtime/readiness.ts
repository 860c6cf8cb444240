/**
 * Waiting for a started engine to serve, and warming it up. A server that refuses connections or answers "loading"
 * is normal while it starts; anything short of the probe's success is polled again until the time is up, and the
 * last thing seen becomes the reason. Only a refusal no retry can fix (Ollama rejecting the GGUF) ends the wait early,
 * or the caller saying the process is gone (`stillRunning`).
 */
import { tcpAccepts } from './tcp.ts'
import { setTimeout as sleep } from 'node:timers/promises'
import { OllamaApiError, createOllamaModel, keepsLoaded, ollamaModelLoaded, preloadOllamaModel } from './ollama-setup.ts'
import type { EngineLaunch, ReadinessProbe } from '../types.ts'

export interface WaitOptions {
  /** The whole wait, including Ollama's blob upload and model load. */
  readonly timeoutMs: number
  /** Pause between attempts (default 500 ms). */
  readonly intervalMs?: number
  readonly signal?: AbortSignal
  readonly fetch?: typeof globalThis.fetch
  /** Asked after each failed attempt; false (the service's process has exited) ends the wait at once. */
  readonly stillRunning?: () => boolean | Promise<boolean>
  /** What each failed attempt saw, for progress output. */
  readonly onAttempt?: (observation: string) => void
}

export type ReadinessResult =
  | { readonly ok: true; readonly afterMs: number }
  | {
      readonly ok: false
      readonly reason: string
      /** timeout: time ran out; aborted: the signal fired; exited: stillRunning said no; refused: a permanent refusal. */
      readonly cause: 'timeout' | 'aborted' | 'exited' | 'refused'
      readonly afterMs: number
    }

type Observation = { readonly ready: true } | { readonly ready: false; readonly detail: string; readonly permanent?: boolean }

interface AttemptContext {
  readonly fetch: typeof globalThis.fetch
  readonly signal: AbortSignal
  readonly attemptMs: number
}

/** A health check should answer at once; a completion or an Ollama load may take as long as the whole wait. */
const HTTP_ATTEMPT_MS = 10_000
/** Shorter than this, an attempt cut by the deadline is no evidence that the server stopped answering. */
const SHORT_ATTEMPT_MS = 250

export async function waitUntilReady(probe: ReadinessProbe, options: WaitOptions): Promise<ReadinessResult> {
  const start = performance.now()
  const elapsed = (): number => Math.round(performance.now() - start)
  const interval = options.intervalMs ?? 500
  const attempt = attemptFor(probe)
  let last = 'no answer yet'
  let answered = false
  const fail = (cause: 'timeout' | 'aborted' | 'exited' | 'refused', reason: string): ReadinessResult => ({ ok: false, cause, reason, afterMs: elapsed() })
  for (;;) {
    if (options.signal?.aborted) return fail('aborted', `stopped waiting for ${probeTarget(probe)}: ${last}`)
    const remaining = options.timeoutMs - elapsed()
    if (remaining <= 0) return fail('timeout', `${probeTarget(probe)} not ready after ${seconds(options.timeoutMs)}: ${last}`)
    const attemptMs = probe.kind === 'http' || probe.kind === 'tcp' ? Math.min(remaining, HTTP_ATTEMPT_MS) : remaining
    const signals = [AbortSignal.timeout(attemptMs), ...(options.signal ? [options.signal] : [])]
    const context: AttemptContext = { fetch: options.fetch ?? globalThis.fetch, signal: AbortSignal.any(signals), attemptMs }
    let cutByDeadline = false
    const observation = await attempt(context).catch((error: unknown) => {
      cutByDeadline = attemptMs === remaining && attemptMs < Math.max(interval, SHORT_ATTEMPT_MS) && error instanceof Error && error.name === 'TimeoutError'
      return notReady(describeRequestError(error, attemptMs))
    })
    if (observation.ready) return { ok: true, afterMs: elapsed() }
    // A last attempt the deadline left only a moment says nothing new about the server: the answer before it is the reason.
    if (!(cutByDeadline && answered)) last = observation.detail
    answered = true
    options.onAttempt?.(last)
    if (observation.permanent === true) return fail('refused', last)
    if (options.stillRunning !== undefined && !(await options.stillRunning())) return fail('exited', `the server exited before it was ready (last: ${last})`)
    const pause = Math.min(interval, options.timeoutMs - elapsed())
    if (pause > 0) await sleep(pause, undefined, { signal: options.signal }).catch(() => undefined)
  }
}

function attemptFor(probe: ReadinessProbe): (context: AttemptContext) => Promise<Observation> {
  switch (probe.kind) {
    case 'http':
      return (context) => httpAttempt(probe, context)
    case 'completion':
      return (context) => completionAttempt(probe, context)
    case 'tcp':
      return async (context) => {
        const result = await tcpAccepts(probe.host, probe.port, { timeoutMs: context.attemptMs, signal: context.signal })
        return result.ok ? { ready: true } : notReady(`TCP ${probe.host}:${probe.port}: ${result.reason}`)
      }
    case 'ollama': {
      // Across attempts: each step runs once, and a step that finds its work undone sends the loop back to it.
      const state = { created: probe.create == null, preloaded: false }
      return (context) => ollamaAttempt(probe, state, context)
    }
  }
}

async function httpAttempt(probe: Extract<ReadinessProbe, { kind: 'http' }>, context: AttemptContext): Promise<Observation> {
  const response = await context.fetch(probe.url, { signal: context.signal, headers: { accept: 'application/json' } })
  const text = await response.text()
  const statusOk = probe.okStatus === 0 ? response.status >= 200 && response.status < 300 : response.status === probe.okStatus
  if (!statusOk) return notReady(`GET ${probe.url} answered ${response.status} ${snippet(text)}`)
  if (probe.jsonField === undefined) return { ready: true }
  const { name, equals } = probe.jsonField
  const value = parseRecord(text)?.[name]
  if (value === equals) return { ready: true }
  return notReady(`GET ${probe.url}: ${name} is ${JSON.stringify(value) ?? 'missing'}, waiting for ${JSON.stringify(equals)}`)
}

async function completionAttempt(probe: Extract<ReadinessProbe, { kind: 'completion' }>, context: AttemptContext): Promise<Observation> {
  const response = await context.fetch(probe.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(probe.body),
    signal: context.signal,
  })
  const text = await response.text()
  if (!response.ok) return notReady(`POST ${probe.url} answered ${response.status} ${snippet(text)}`)
  // A real completion has choices; a proxy or another program answering 200 on that port does not.
  const choices = parseRecord(text)?.choices
  return Array.isArray(choices) && choices.length > 0 ? { ready: true } : notReady(`POST ${probe.url} answered without choices: ${snippet(text)}`)
}

async function ollamaAttempt(probe: Extract<ReadinessProbe, { kind: 'ollama' }>, state: { created: boolean; preloaded: boolean }, context: AttemptContext): Promise<Observation> {
  const request = { fetch: context.fetch, signal: context.signal }
  const version = await context.fetch(`${probe.baseUrl}/api/version`, request)
  await version.body?.cancel()
  if (!version.ok) return notReady(`GET ${probe.baseUrl}/api/version answered ${version.status}`)
  try {
    if (!state.created && probe.create != null) {
      await createOllamaModel(probe.baseUrl, probe.model, probe.create, request)
      state.created = true
    }
    const keepAlive = probe.keepAlive ?? '-1'
    if (!state.preloaded) {
      await preloadOllamaModel(probe.baseUrl, probe.model, keepAlive, request)
      state.preloaded = true
    }
    if (!keepsLoaded(keepAlive) || (await ollamaModelLoaded(probe.baseUrl, probe.model, request))) return { ready: true }
    state.preloaded = false
    return notReady(`GET ${probe.baseUrl}/api/ps does not list ${probe.model} yet`)
  } catch (error) {
    if (error instanceof OllamaApiError) {
      // 404 on the preload: the model is gone (a fresh store after a restart), so create it again next time.
      if (error.status === 404 && probe.create != null) state.created = false
      return notReady(error.message, error.permanent)
    }
    // A GGUF that cannot be read will not become readable by waiting.
    if (isFileError(error)) return notReady(`cannot read the model file: ${error.message}`, true)
    throw error
  }
}

export interface WarmupOptions {
  readonly timeoutMs: number
  readonly signal?: AbortSignal
  readonly fetch?: typeof globalThis.fetch
}
export type WarmupResult = { readonly ok: true; readonly afterMs: number } | { readonly ok: false; readonly reason: string }

/** Sends the launch's warm-up request once. A failed warm-up is worth a warning, not a failed apply. */
export async function sendWarmup(warmup: NonNullable<EngineLaunch['warmup']>, options: WarmupOptions): Promise<WarmupResult> {
  const start = performance.now()
  const signals = [AbortSignal.timeout(options.timeoutMs), ...(options.signal ? [options.signal] : [])]
  try {
    const response = await (options.fetch ?? globalThis.fetch)(warmup.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(warmup.body),
      signal: AbortSignal.any(signals),
    })
    const text = await response.text()
    if (!response.ok) return { ok: false, reason: `POST ${warmup.url} answered ${response.status} ${snippet(text)}` }
    return { ok: true, afterMs: Math.round(performance.now() - start) }
  } catch (error) {
    return { ok: false, reason: `POST ${warmup.url}: ${describeRequestError(error, options.timeoutMs)}` }
  }
}

function notReady(detail: string, permanent = false): Observation {
  return { ready: false, detail, permanent }
}

function probeTarget(probe: ReadinessProbe): string {
  if (probe.kind === 'tcp') return `${probe.host}:${probe.port}`
  return probe.kind === 'ollama' ? `${probe.baseUrl} (Ollama model ${probe.model})` : probe.url
}

/** What went wrong with a request, in words: fetch hides the socket error in `cause`. */
export function describeRequestError(error: unknown, timeoutMs: number): string {
  if (!(error instanceof Error)) return String(error)
  if (error.name === 'TimeoutError') return `no answer within ${seconds(timeoutMs)}`
  if (error.name === 'AbortError') return 'aborted'
  const code = errorCode(error.cause) ?? errorCode(error)
  switch (code) {
    case 'ECONNREFUSED':
      return 'connection refused (nothing is listening on that port)'
    case 'ECONNRESET':
      return 'connection reset by the server'
    case 'UND_ERR_SOCKET':
      return 'the server closed the connection'
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return 'host not found'
    default: {
      const cause = error.cause instanceof Error ? `: ${error.cause.message}` : ''
      return `${error.message}${cause}`
    }
  }
}

function errorCode(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null || !('code' in value)) return undefined
  return typeof value.code === 'string' ? value.code : undefined
}

function isFileError(error: unknown): error is Error {
  const code = error instanceof Error ? errorCode(error) : undefined
  return code === 'ENOENT' || code === 'EACCES' || code === 'EISDIR' || code === 'EPERM'
}

function parseRecord(text: string): Record<string, unknown> | null {
  try {
    const value: unknown = JSON.parse(text)
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : null
  } catch {
    return null
  }
}

function snippet(text: string): string {
  const oneLine = text.replace(/\s+/g, ' ').trim()
  return oneLine.length > 200 ? `${oneLine.slice(0, 200)}…` : oneLine
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`
}
