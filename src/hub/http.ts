import { setTimeout as delay } from 'node:timers/promises'
import { UserError } from '../errors.ts'
import { discardBody } from './body.ts'
import { type HubRequestContext, describeTarget, hubHttpError, redact } from './hub-errors.ts'
import { RETRY_STATUSES, backoffMs, serverRequestedWaitMs } from './retry.ts'
import { fleetUserAgent } from './user-agent.ts'

export interface HubRequestInit {
  method?: string
  /** Any `Authorization` given here is ignored: the token travels only through `options.token`. */
  headers?: Record<string, string>
  body?: string
}

export interface RetryEvent {
  /** 1 for the first retry. */
  attempt: number
  delayMs: number
  /** e.g. `HTTP 503`, `timeout`, `ECONNRESET`. Never contains the token. */
  reason: string
}

export interface HubFetchOptions {
  /** The Hub base URL; only URLs with the same origin receive the token. */
  endpoint: string
  token?: string
  /** Retries after the first attempt (default 4). */
  retries?: number
  /** Per attempt: time to the response headers, then (in `hubRequest`) the longest silence between body chunks. Default 10 s, like HF_HUB_ETAG_TIMEOUT. */
  timeoutMs?: number
  maxRedirects?: number
  /** A server-requested wait (Retry-After / RateLimit) above this fails at once instead of sleeping (default 60 s). */
  maxServerWaitMs?: number
  signal?: AbortSignal
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>
  now?: () => number
  random?: () => number
  fetch?: typeof globalThis.fetch
  userAgent?: string
  context?: HubRequestContext
  /** Non-2xx statuses handed to the caller instead of thrown (e.g. 416 for a read past the end). */
  acceptStatus?: readonly number[]
  onRetry?: (event: RetryEvent) => void
}

/** The final response of a redirect chain. */
export interface Exchange {
  response: Response
  /** The URL that produced `response` (after redirects). */
  url: URL
  /** Whether `response` was produced by a request that carried the token. */
  tokenSent: boolean
  /** Resets the idle timeout; call it while body data keeps arriving. */
  touch(): void
}

/** Thrown by a `consume` callback when a response is malformed in a way a fresh attempt may fix (bad Content-Range…). */
export class RetryableResponseError extends Error {
  override readonly name = 'RetryableResponseError'
}

class AttemptTimeoutError extends Error {
  override readonly name = 'AttemptTimeoutError'
}

const REDIRECT_STATUSES: ReadonlySet<number> = new Set([301, 302, 303, 307, 308])

/** `hubRequest` that hands back the response itself; its body is the caller's to read (no idle timeout then). */
export function hubFetch(url: string, init: HubRequestInit, options: HubFetchOptions): Promise<Response> {
  return hubRequest(url, init, options, async ({ response }) => response)
}

/**
 * One logical Hub request: follows redirects by hand (dropping the token off the Hub's origin, as huggingface_hub does
 * for signed CDN URLs), retries transient failures with backoff or the server's requested wait, and turns the final
 * failure into a UserError that names the repo and file. `consume` runs inside the attempt, so a body that breaks
 * off or fails validation (`RetryableResponseError`) is retried like any network error.
 */
export async function hubRequest<T>(url: string, init: HubRequestInit | (() => HubRequestInit), options: HubFetchOptions, consume: (exchange: Exchange) => Promise<T>): Promise<T> {
  const retries = options.retries ?? 4
  const timeoutMs = options.timeoutMs ?? 10_000
  const now = options.now ?? Date.now
  const random = options.random ?? Math.random
  const sleep = options.sleep ?? ((ms: number, signal?: AbortSignal) => delay(ms, undefined, { signal }))
  const context = options.context ?? {}
  const accepted = new Set(options.acceptStatus ?? [])
  const start = new URL(url)

  for (let attempt = 0; ; attempt++) {
    const attempts = attempt + 1
    const canRetry = attempt < retries
    const controller = new AbortController()
    let timer: NodeJS.Timeout | undefined
    const touch = (): void => {
      clearTimeout(timer)
      timer = setTimeout(() => controller.abort(new AttemptTimeoutError(`no answer within ${timeoutMs} ms`)), timeoutMs)
    }
    const signal = options.signal === undefined ? controller.signal : AbortSignal.any([options.signal, controller.signal])
    const where = { url: start }
    let retry: { delayMs: number; reason: string }
    touch()
    try {
      // A function is asked anew on every attempt: a download resumes its Range from the last byte it wrote.
      const exchange = await followRedirects(start, typeof init === 'function' ? init() : init, options, signal, where)
      const { response } = exchange
      if (response.ok || accepted.has(response.status)) return await consume({ ...exchange, touch })
      await discardBody(response)
      const failure = () =>
        hubHttpError({
          status: response.status,
          statusText: response.statusText,
          headers: response.headers,
          endpoint: options.endpoint,
          tokenSent: exchange.tokenSent,
          token: options.token,
          context,
          attempts,
        })
      if (!RETRY_STATUSES.has(response.status)) throw failure()
      const serverWait = serverRequestedWaitMs(response.headers, now())
      if (serverWait !== undefined && serverWait > (options.maxServerWaitMs ?? 60_000)) {
        throw new UserError(`The Hub asked fleet to wait ${Math.ceil(serverWait / 1000)} s before fetching ${describeTarget(context)} (HTTP ${response.status})`, {
          hint:
            options.token === undefined
              ? 'You have hit the Hub rate limit. Set HF_TOKEN (signed-in requests get higher limits) or retry later.'
              : 'You have hit the Hub rate limit; retry after that time.',
        })
      }
      if (!canRetry) throw failure()
      retry = { delayMs: serverWait ?? backoffMs(attempt, random), reason: `HTTP ${response.status}` }
    } catch (error) {
      if (options.signal?.aborted === true) throw options.signal.reason
      const transient = transientReason(error)
      if (transient === undefined) throw error
      if (!canRetry) throw transientFailure(error, transient, { host: where.url.host, context, attempts, token: options.token, timeoutMs })
      retry = { delayMs: backoffMs(attempt, random), reason: transient }
    } finally {
      clearTimeout(timer)
    }
    options.onRetry?.({ attempt: attempts, ...retry })
    try {
      await sleep(retry.delayMs, options.signal)
    } catch (error) {
      // The default sleep rejects with a generic AbortError; surface the caller's own abort reason instead.
      throw options.signal?.aborted === true ? options.signal.reason : error
    }
  }
}

async function followRedirects(start: URL, init: HubRequestInit, options: HubFetchOptions, signal: AbortSignal, where: { url: URL }): Promise<Omit<Exchange, 'touch'>> {
  const fetchFn = options.fetch ?? globalThis.fetch
  const maxRedirects = options.maxRedirects ?? 10
  const hubOrigin = new URL(options.endpoint).origin
  const seen = new Set<string>()
  let url = start
  let method = init.method ?? 'GET'
  let body = init.body
  for (let hop = 0; ; hop++) {
    seen.add(url.href)
    where.url = url
    const tokenSent = options.token !== undefined && url.origin === hubOrigin
    const headers = new Headers(init.headers)
    headers.delete('authorization')
    headers.set('user-agent', options.userAgent ?? fleetUserAgent())
    if (tokenSent) headers.set('authorization', `Bearer ${options.token}`)
    const response = await fetchFn(url, { method, headers, body, redirect: 'manual', signal })
    const location = response.headers.get('location')
    if (!REDIRECT_STATUSES.has(response.status) || location === null) return { response, url, tokenSent }
    await discardBody(response)
    const next = new URL(location, url)
    const fault =
      next.protocol !== 'https:' && next.protocol !== 'http:'
        ? `to a non-HTTP URL (${next.protocol})`
        : seen.has(next.href)
          ? 'in a loop'
          : hop >= maxRedirects
            ? `more than ${maxRedirects} times`
            : undefined
    if (fault !== undefined) {
      throw new UserError(`The Hub redirected ${describeTarget(options.context ?? {})} ${fault}`, {
        hint: 'A proxy or HF_ENDPOINT mirror is probably misconfigured.',
      })
    }
    // Fetch semantics: 303 (and 301/302 after a POST) turn into a body-less GET.
    if (response.status === 303 || ((response.status === 301 || response.status === 302) && method === 'POST')) {
      method = 'GET'
      body = undefined
    }
    url = next
  }
}

/** Why an error is worth another attempt, or undefined when it is not. */
function transientReason(error: unknown): string | undefined {
  if (error instanceof AttemptTimeoutError) return 'timeout'
  if (error instanceof RetryableResponseError) return error.message
  // undici reports network failures as TypeError("fetch failed") and broken bodies as TypeError("terminated").
  if (error instanceof TypeError && (error.message === 'fetch failed' || error.message === 'terminated')) return causeCode(error) ?? error.message
  return undefined
}

function transientFailure(error: unknown, reason: string, info: { host: string; context: HubRequestContext; attempts: number; token: string | undefined; timeoutMs: number }): UserError {
  const target = describeTarget(info.context)
  const tries = `${info.attempts} attempt${info.attempts === 1 ? '' : 's'}`
  const offline = 'Check the network connection and HF_ENDPOINT; set HF_HUB_OFFLINE=1 to use only models already in the cache.'
  const message =
    error instanceof AttemptTimeoutError
      ? `${info.host} did not answer within ${info.timeoutMs / 1000} s while fetching ${target} (${tries})`
      : error instanceof RetryableResponseError
        ? `${info.host} sent a bad response for ${target}: ${reason} (${tries})`
        : error instanceof TypeError && error.message === 'terminated'
          ? `The connection to ${info.host} broke while reading ${target} (${reason}, ${tries})`
          : `Cannot reach ${info.host} while fetching ${target} (${reason}, ${tries})`
  return new UserError(redact(message, info.token), { hint: offline, cause: error })
}

function causeCode(error: Error): string | undefined {
  const cause: unknown = error.cause
  if (typeof cause === 'object' && cause !== null && 'code' in cause && typeof cause.code === 'string') return cause.code
  return undefined
}
