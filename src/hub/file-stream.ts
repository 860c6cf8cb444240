import { UserError } from '../errors.ts'
import { contentLength, discardBody } from './body.ts'
import { HubHttpError, describeTarget } from './hub-errors.ts'
import { type Exchange, type HubFetchOptions, type RetryEvent, RetryableResponseError, hubRequest } from './http.ts'
import { nodeBody, nodeFetch } from './node-fetch.ts'
import { parseContentRange } from './range-source.ts'

/**
 * Receives consecutive body bytes; `position` is the file offset of `chunk[0]`. Resolves once they are written. With
 * `writev`, several received buffers go in one call (they are consecutive, starting at `position`).
 */
export type ByteSink = ((chunk: Uint8Array, position: number) => Promise<void>) & {
  writev?: (chunks: readonly Uint8Array[], position: number) => Promise<void>
}

export interface StreamRangeOptions {
  signal?: AbortSignal
  /** No body bytes for this long aborts the attempt, which is retried from the last byte written (the stall watchdog). */
  stallMs?: number
  onRetry?: (event: RetryEvent) => void
}

/**
 * The server's file is not the one the listing described (another size): no retry can fix that, so it is never
 * retried. Reading at a commit sha makes this a sign of a broken mirror or proxy rather than a moved branch.
 */
export class FileMismatchError extends UserError {}

/** After a broken attempt that still delivered bytes, start a fresh round of retries from there, at most this often. */
const MAX_RESUMES = 20

/**
 * Streams byte ranges of one Hub file (`GET …/resolve/{sha}/{path}` with `Range`) into a sink, for the weight
 * downloader. Every retry asks only for the bytes not yet written. The first request follows the resolve redirect
 * (LFS/Xet files live on a CDN); the others go straight to the CDN URL it revealed, so one file costs one "resolvers"
 * request however many segments and retries it takes; an expired CDN URL sends the next request through `resolve`
 * again. The token travels only to the Hub's own origin (`followRedirects`), and no message carries it or the signed URL.
 */
export class HubFileStream {
  readonly size: number
  readonly #resolveUrl: string
  readonly #http: HubFetchOptions
  #direct: string | undefined
  /** Open once the first request has its answer: concurrent segments wait for it to learn the CDN URL. */
  #learning: Promise<void> | undefined

  constructor(resolveUrl: string, http: HubFetchOptions, size: number) {
    this.#resolveUrl = new URL(resolveUrl).href
    this.#http = http
    this.size = size
  }

  /** Writes bytes `first..last` (inclusive) to `sink`, in order, resuming after failures; resolves when all are written. */
  async streamRange(first: number, last: number, sink: ByteSink, options: StreamRangeOptions = {}): Promise<void> {
    if (!Number.isSafeInteger(first) || !Number.isSafeInteger(last) || first < 0 || last < first || last >= this.size) {
      throw new RangeError(`streamRange(${first}, ${last}) is outside a file of ${this.size} bytes`)
    }
    const cursor = { next: first }
    let open: (() => void) | undefined
    if (this.#learning === undefined) this.#learning = new Promise<void>((resolve) => (open = resolve))
    else await this.#learning
    try {
      for (let round = 0; ; round++) {
        const before = cursor.next
        try {
          await this.#round(cursor, last, sink, options, () => open?.())
          return
        } catch (error) {
          if (options.signal?.aborted === true) throw error
          // Bytes arrived before the failure: the link works, so give the rest a fresh set of retries.
          if (cursor.next > before && round < MAX_RESUMES && resumable(error)) {
            options.onRetry?.({ attempt: round + 1, delayMs: 0, reason: `resuming at byte ${cursor.next}` })
            continue
          }
          throw error
        }
      }
    } finally {
      open?.()
    }
  }

  async #round(cursor: { next: number }, last: number, sink: ByteSink, options: StreamRangeOptions, learned: () => void): Promise<void> {
    const direct = this.#direct
    if (direct !== undefined) {
      try {
        return await this.#request(direct, cursor, last, sink, options, learned, 0)
      } catch (error) {
        if (options.signal?.aborted === true) throw error
        // Signed CDN URLs expire; whatever went wrong there, the next request goes through `resolve` again.
        this.#direct = undefined
      }
    }
    return this.#request(this.#resolveUrl, cursor, last, sink, options, learned, undefined)
  }

  #request(url: string, cursor: { next: number }, last: number, sink: ByteSink, options: StreamRangeOptions, learned: () => void, retries: number | undefined): Promise<void> {
    const signal = options.signal === undefined ? this.#http.signal : this.#http.signal === undefined ? options.signal : AbortSignal.any([this.#http.signal, options.signal])
    const http: HubFetchOptions = {
      ...this.#http,
      ...(retries === undefined ? {} : { retries }),
      ...(options.stallMs === undefined ? {} : { timeoutMs: options.stallMs }),
      ...(signal === undefined ? {} : { signal }),
      ...(options.onRetry === undefined ? {} : { onRetry: options.onRetry }),
      // The bytes stream through node:http unless a caller injected its own fetch (tests).
      fetch: this.#http.fetch ?? nodeFetch,
      acceptStatus: [416],
    }
    const init = () => ({ headers: { range: `bytes=${cursor.next}-${last}`, 'accept-encoding': 'identity' } })
    return hubRequest(url, init, http, async (exchange) => {
      if (exchange.url.href !== this.#resolveUrl) this.#direct = exchange.url.href
      learned()
      await this.#consume(exchange, cursor, last, sink)
    })
  }

  async #consume({ response, touch }: Exchange, cursor: { next: number }, last: number, sink: ByteSink): Promise<void> {
    const target = describeTarget(this.#http.context ?? {})
    const expected = last - cursor.next + 1
    const declared = contentLength(response.headers)
    const reject = async (error: Error): Promise<never> => {
      await discardBody(response)
      throw error
    }
    if (response.status === 416) {
      return reject(new FileMismatchError(`The server says ${target} ends before byte ${cursor.next}, but the file listing said it has ${this.size} bytes`, { hint: MISMATCH_HINT }))
    }
    if (response.status === 206) {
      const range = parseContentRange(response.headers.get('content-range'))
      if (range?.total !== undefined && range.total !== this.size) {
        return reject(new FileMismatchError(`${target} is ${range.total} bytes on the server, but the file listing said ${this.size}`, { hint: MISMATCH_HINT }))
      }
      if (range === undefined || range.first !== cursor.next || range.last !== last) {
        return reject(new RetryableResponseError(`asked for bytes ${cursor.next}-${last}, got Content-Range "${response.headers.get('content-range') ?? ''}"`))
      }
      if (declared !== undefined && declared !== expected) {
        return reject(new RetryableResponseError(`announced ${declared} bytes for the ${expected}-byte range ${cursor.next}-${last}`))
      }
      return pump(response, touch, sink, cursor, last, { skip: 0, strict: true })
    }
    if (response.status === 200) {
      // The server ignored Range and sends the whole file: skip to where we are and stop after `last`.
      if (declared !== undefined && declared !== this.size) {
        return reject(new RetryableResponseError(`sent a ${declared}-byte body for a ${this.size}-byte file`))
      }
      return pump(response, touch, sink, cursor, last, { skip: cursor.next, strict: false })
    }
    return reject(new RetryableResponseError(`answered a Range request with HTTP ${response.status}`))
  }
}

const MISMATCH_HINT = 'Run fleet plan again to re-read the listing; if HF_ENDPOINT points at a mirror, check that it is in sync.'

/**
 * Copies the body into the sink from `cursor.next` through `last`, advancing the cursor after each write so a retry
 * resumes exactly there. `strict` (a 206): more bytes than the range, or fewer, fail the attempt.
 */
async function pump(response: Response, touch: () => void, sink: ByteSink, cursor: { next: number }, last: number, mode: { skip: number; strict: boolean }): Promise<void> {
  const node = nodeBody(response)
  if (node !== undefined) return pumpNode(node, touch, sink, cursor, last, mode)
  if (response.body === null) throw new RetryableResponseError('sent no body')
  const reader = response.body.getReader()
  let skip = mode.skip
  try {
    for (;;) {
      const { done, value } = await reader.read()
      if (done) break
      touch()
      let chunk = value
      if (skip > 0) {
        const dropped = Math.min(skip, chunk.byteLength)
        skip -= dropped
        chunk = chunk.subarray(dropped)
      }
      const room = last + 1 - cursor.next
      const take = Math.min(room, chunk.byteLength)
      if (take > 0) {
        await sink(chunk.subarray(0, take), cursor.next)
        cursor.next += take
        touch()
      }
      if (take < chunk.byteLength) {
        if (mode.strict) throw new RetryableResponseError('sent more bytes than its Content-Range announced')
        return
      }
      if (!mode.strict && cursor.next > last) return
    }
  } finally {
    await reader.cancel().catch(() => {})
  }
  if (cursor.next <= last) throw new RetryableResponseError(`ended the body ${last + 1 - cursor.next} bytes early`)
}

/** Received bytes are written once this many have gathered (or the body pauses, ends or fails). */
const BATCH_BYTES = 1024 * 1024
const BATCH_MS = 50
/** And never more buffers than this in one vectored write (IOV_MAX is 1024). */
const BATCH_PARTS = 256

/**
 * `pump` for a `node:http` body: the same checks and cursor rules, but the received Buffers are handed to the sink in
 * batches (one vectored write each, no copy). Bytes received before a failure are still written, so a retry resumes
 * after them. A broken body fails as fetch's would: `TypeError('terminated')`, or the abort reason after an abort.
 */
async function pumpNode(
  body: NonNullable<ReturnType<typeof nodeBody>>,
  touch: () => void,
  sink: ByteSink,
  cursor: { next: number },
  last: number,
  mode: { skip: number; strict: boolean },
): Promise<void> {
  const { stream } = body
  let skip = mode.skip
  let batch: Uint8Array[] = []
  let batched = 0
  let flushed = Date.now()
  const flush = async (): Promise<void> => {
    flushed = Date.now()
    if (batched === 0) return
    const parts = batch
    const bytes = batched
    batch = []
    batched = 0
    if (sink.writev !== undefined) await sink.writev(parts, cursor.next)
    else {
      let at = cursor.next
      for (const part of parts) {
        await sink(part, at)
        at += part.byteLength
      }
    }
    cursor.next += bytes
    touch()
  }
  try {
    try {
      for await (const value of stream) {
        touch()
        let chunk = value as Buffer
        if (skip > 0) {
          const dropped = Math.min(skip, chunk.byteLength)
          skip -= dropped
          chunk = chunk.subarray(dropped)
        }
        const room = last + 1 - (cursor.next + batched)
        const take = Math.min(room, chunk.byteLength)
        if (take > 0) {
          batch.push(take === chunk.byteLength ? chunk : chunk.subarray(0, take))
          batched += take
        }
        if (take < chunk.byteLength) {
          await flush()
          if (mode.strict) throw new RetryableResponseError('sent more bytes than its Content-Range announced')
          return
        }
        if (!mode.strict && cursor.next + batched > last) return await flush()
        // Write when enough gathered, or when the oldest unwritten byte has waited long enough (a slow link).
        if (batched >= BATCH_BYTES || batch.length >= BATCH_PARTS || Date.now() - flushed >= BATCH_MS) await flush()
      }
    } catch (error) {
      // Keep what arrived before the failure; the retry asks only for the rest.
      await flush()
      if (error instanceof RetryableResponseError) throw error
      const reason = body.abortReason()
      if (reason !== undefined) throw reason
      throw new TypeError('terminated', { cause: error })
    }
    await flush()
  } finally {
    body.release()
    // A complete response keeps its connection for the next request; an unfinished one closes it.
    if (!stream.destroyed) stream.destroy()
  }
  if (cursor.next <= last) throw new RetryableResponseError(`ended the body ${last + 1 - cursor.next} bytes early`)
}

/** Whether a failure after some progress deserves a fresh round of retries: not a 4xx answer, not a different file. */
function resumable(error: unknown): boolean {
  if (error instanceof FileMismatchError) return false
  if (error instanceof HubHttpError) return error.status >= 500 || error.status === 429 || error.status === 408
  return error instanceof UserError
}
