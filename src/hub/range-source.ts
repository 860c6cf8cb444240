import { UserError } from '../errors.ts'
import { BodyTooLargeError, readBodyLimited } from './body.ts'
import type { ByteSource } from './byte-source.ts'
import { describeTarget } from './hub-errors.ts'
import { type Exchange, type HubFetchOptions, RetryableResponseError, hubRequest } from './http.ts'

/** A server that ignores `Range` sends the whole file; beyond this we refuse rather than buffer a model shard. */
export const MAX_FULL_BODY_BYTES = 16 * 2 ** 20

export interface RangeSourceOptions {
  /** Smallest request; header parsers make many tiny reads, so each request fetches at least this much. 0 = exact reads. */
  minChunkBytes?: number
  /** Sequential reads double the chunk up to this size, so a multi-MB GGUF header takes a handful of requests. */
  maxChunkBytes?: number
}

interface Chunk {
  start: number
  bytes: Uint8Array
}

/**
 * Reads a Hub file with HTTP Range requests (`GET …/resolve/{sha}/{path}`). The first request follows the resolve
 * redirect; later ones go straight to the final (CDN) URL, which keeps most reads out of the Hub's "resolvers" rate-limit
 * bucket. If that URL stops working (signed URLs expire), the source goes back through `resolve` once.
 */
export class HubRangeSource implements ByteSource {
  size: number | undefined
  readonly #resolveUrl: string
  readonly #http: HubFetchOptions
  readonly #minChunk: number
  readonly #maxChunk: number
  #directUrl: string | undefined
  #chunk: Chunk | undefined
  #nextChunk: number

  constructor(resolveUrl: string, http: HubFetchOptions, size?: number, options: RangeSourceOptions = {}) {
    this.#resolveUrl = new URL(resolveUrl).href
    this.#http = http
    this.size = size
    this.#minChunk = options.minChunkBytes ?? 64 * 1024
    this.#maxChunk = Math.max(this.#minChunk, options.maxChunkBytes ?? 4 * 2 ** 20)
    this.#nextChunk = this.#minChunk
  }

  async read(offset: number, length: number): Promise<Uint8Array> {
    if (!Number.isSafeInteger(offset) || offset < 0 || !Number.isSafeInteger(length) || length < 0) {
      throw new RangeError(`read(${offset}, ${length}): offset and length must be non-negative integers`)
    }
    if (length === 0 || (this.size !== undefined && offset >= this.size)) return new Uint8Array(0)
    const wantedEnd = this.size === undefined ? offset + length : Math.min(offset + length, this.size)

    const cached = this.#chunk
    const cachedEnd = cached === undefined ? 0 : cached.start + cached.bytes.byteLength
    if (cached !== undefined && offset >= cached.start && wantedEnd <= cachedEnd) {
      return cached.bytes.slice(offset - cached.start, wantedEnd - cached.start)
    }
    // A read that starts inside the cached chunk reuses its tail and fetches only what follows.
    const overlaps = cached !== undefined && offset >= cached.start && offset < cachedEnd
    const prefix = overlaps ? cached.bytes.slice(offset - cached.start) : new Uint8Array(0)
    const from = overlaps ? cachedEnd : offset
    // Grow the chunk while the caller reads on from where the last chunk ended (a header parse), else start small again.
    this.#nextChunk = cached !== undefined && from === cachedEnd ? Math.min(this.#maxChunk, this.#nextChunk * 2) : this.#minChunk
    let fetchEnd = Math.max(wantedEnd, from + this.#nextChunk)
    if (this.size !== undefined) fetchEnd = Math.min(fetchEnd, this.size)

    const chunk = await this.#fetch(from, fetchEnd - 1)
    this.#chunk = chunk
    const available = chunk.start + chunk.bytes.byteLength
    const fresh = chunk.bytes.subarray(0, Math.max(0, Math.min(wantedEnd, available) - from))
    if (prefix.byteLength === 0) return fresh.slice()
    const out = new Uint8Array(prefix.byteLength + fresh.byteLength)
    out.set(prefix)
    out.set(fresh, prefix.byteLength)
    return out
  }

  async #fetch(first: number, last: number): Promise<Chunk> {
    const direct = this.#directUrl
    if (direct !== undefined) {
      try {
        return await this.#request(direct, first, last, { ...this.#http, retries: 0 })
      } catch {
        this.#directUrl = undefined
      }
    }
    return this.#request(this.#resolveUrl, first, last, this.#http)
  }

  #request(url: string, first: number, last: number, http: HubFetchOptions): Promise<Chunk> {
    const init = { headers: { range: `bytes=${first}-${last}`, 'accept-encoding': 'identity' } }
    return hubRequest(url, init, { ...http, acceptStatus: [416] }, async (exchange) => {
      const chunk = await this.#consume(exchange, first, last)
      if (exchange.url.href !== this.#resolveUrl) this.#directUrl = exchange.url.href
      return chunk
    })
  }

  async #consume({ response, touch }: Exchange, first: number, last: number): Promise<Chunk> {
    const target = describeTarget(this.#http.context ?? {})
    const range = parseContentRange(response.headers.get('content-range'))
    if (response.status === 416) {
      // Reading at or past the end: the Hub answers `Content-Range: bytes */<size>`.
      if (range?.total !== undefined) this.#learnSize(range.total, target)
      return { start: first, bytes: new Uint8Array(0) }
    }
    if (response.status === 206) {
      if (range === undefined || range.first !== first || range.last === undefined || range.last > last) {
        await response.body?.cancel().catch(() => {})
        throw new RetryableResponseError(`asked for bytes ${first}-${last}, got Content-Range "${response.headers.get('content-range') ?? ''}"`)
      }
      if (range.total !== undefined) this.#learnSize(range.total, target)
      const atEof = range.total !== undefined && range.last === range.total - 1
      if (range.last < last && !atEof) throw new RetryableResponseError(`sent bytes ${first}-${range.last} of ${first}-${last} before the end of the file`)
      const expected = range.last - range.first + 1
      const bytes = await readBody(response, expected, touch, () => new RetryableResponseError(`sent more than the ${expected} bytes its Content-Range announced`))
      if (bytes.byteLength !== expected) throw new RetryableResponseError(`sent ${bytes.byteLength} of the ${expected} bytes its Content-Range announced`)
      return { start: first, bytes }
    }
    if (response.status === 200) {
      // The server ignored Range and sent the whole file: fine for a small file, refused for a big one.
      const whole = await readBody(
        response,
        MAX_FULL_BODY_BYTES,
        touch,
        () =>
          new UserError(`The server ignored the Range request for ${target} and sent the whole file (over ${MAX_FULL_BODY_BYTES} bytes)`, {
            hint: 'A proxy between fleet and the Hub probably strips Range headers.',
          }),
      )
      this.#learnSize(whole.byteLength, target)
      return { start: first, bytes: whole.slice(first, last + 1) }
    }
    await response.body?.cancel().catch(() => {})
    throw new RetryableResponseError(`answered a Range request with HTTP ${response.status}`)
  }

  #learnSize(total: number, target: string): void {
    if (this.size !== undefined && this.size !== total) {
      throw new UserError(`${target} is ${total} bytes on the server, but the file listing said ${this.size}`, {
        hint: 'Read files at a commit sha, not a branch, so the listing and the content cannot drift apart.',
      })
    }
    this.size = total
  }
}

async function readBody(response: Response, limit: number, touch: () => void, tooLarge: () => Error): Promise<Uint8Array> {
  try {
    return await readBodyLimited(response, limit, touch)
  } catch (error) {
    if (error instanceof BodyTooLargeError) throw tooLarge()
    throw error
  }
}

/** `bytes 0-99/1234`, `bytes 0-99/*` or `bytes * /1234`. */
export function parseContentRange(header: string | null): { first?: number; last?: number; total?: number } | undefined {
  if (header === null) return undefined
  const match = /^\s*bytes\s+(?:(\d+)-(\d+)|\*)\/(\d+|\*)\s*$/i.exec(header)
  if (match === null) return undefined
  const num = (text: string | undefined): number | undefined => (text === undefined || text === '*' ? undefined : Number(text))
  const first = num(match[1])
  const last = num(match[2])
  if (first !== undefined && last !== undefined && last < first) return undefined
  return { first, last, total: num(match[3]) }
}
