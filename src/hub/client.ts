import { UserError } from '../errors.ts'
import { BodyTooLargeError, readBodyLimited } from './body.ts'
import type { ByteSource } from './byte-source.ts'
import type { HubConfig } from './config.ts'
import { type HubRequestContext, describeTarget } from './hub-errors.ts'
import { type HubFetchOptions, hubRequest } from './http.ts'
import { type ModelInfo, type RepoFile, badAnswer, nextLink, parseModelInfo, parseTreePage } from './parse.ts'
import { HubFileStream } from './file-stream.ts'
import { HubRangeSource, type RangeSourceOptions } from './range-source.ts'
import { hubUrls, printable, validateRepoId, validateRevision } from './repo-id.ts'

export type { Gated, ModelInfo, RepoFile } from './parse.ts'
export type { ByteSink, StreamRangeOptions } from './file-stream.ts'
export { FileMismatchError, HubFileStream } from './file-stream.ts'

/** Transport settings shared by every request; `endpoint`/`token` usually come from `resolveHubConfig`. */
export interface HubClientOptions extends Omit<HubFetchOptions, 'context' | 'acceptStatus'> {
  /** `HF_HUB_OFFLINE`: every method fails with a UserError instead of touching the network. */
  offline?: boolean
  range?: RangeSourceOptions
}

/** JSON answers are small; this only stops a runaway server. A 100k-file tree page is about 20 MB. */
const MAX_JSON_BYTES = 64 * 2 ** 20
/** Guards against a server whose `Link: rel="next"` never ends. */
const MAX_TREE_PAGES = 10_000

/** Read-only Hub metadata: repo info, file listings, small files and ranged reads of large ones. */
export class HubClient {
  readonly endpoint: string
  readonly #options: HubClientOptions

  constructor(options: HubClientOptions) {
    this.endpoint = options.endpoint.replace(/\/+$/, '')
    this.#options = options
  }

  static fromConfig(config: HubConfig, options: Omit<HubClientOptions, 'endpoint' | 'token' | 'offline'> = {}): HubClient {
    return new HubClient({ ...options, endpoint: config.endpoint, token: config.token, offline: config.offline })
  }

  /** `GET /api/models/{repo}[/revision/{rev}]`: the commit a revision points at, the file names, and gating. */
  async getModelInfo(repo: string, revision?: string): Promise<ModelInfo> {
    validateRepoId(repo)
    if (revision !== undefined) validateRevision(revision)
    const context = { repo, revision }
    this.#assertOnline(context)
    const what = describeTarget(context)
    return parseModelInfo(await this.#getJson(hubUrls.modelInfo(this.endpoint, repo, revision), context, what), what)
  }

  /** The 40-hex commit a branch, tag or sha names (a sha is checked against the Hub, not trusted blindly). */
  async resolveRevision(repo: string, revision: string): Promise<string> {
    return (await this.getModelInfo(repo, revision)).sha
  }

  /**
   * Every file at a revision (pass a commit sha so the listing cannot move under you), following `Link: rel="next"`
   * pages. Paths are checked before anyone joins them onto a directory.
   */
  async listFiles(repo: string, commitSha: string): Promise<RepoFile[]> {
    validateRepoId(repo)
    validateRevision(commitSha)
    const context = { repo, revision: commitSha }
    this.#assertOnline(context)
    const what = describeTarget(context)
    const files: RepoFile[] = []
    const seenPaths = new Set<string>()
    const seenPages = new Set<string>()
    let next: URL | undefined = new URL(hubUrls.tree(this.endpoint, repo, commitSha))
    while (next !== undefined) {
      if (seenPages.has(next.href) || seenPages.size >= MAX_TREE_PAGES) throw badAnswer(what, 'the tree listing pages never end')
      seenPages.add(next.href)
      const page: URL = next
      const { json, link } = await this.#request(page.href, context, async ({ response, touch }) => ({
        json: parseJson(await readJsonBody(response, touch, what), what),
        link: response.headers.get('link'),
      }))
      for (const file of parseTreePage(json, what)) {
        if (seenPaths.has(file.path)) throw badAnswer(what, `the file ${printable(file.path)} is listed twice`)
        seenPaths.add(file.path)
        files.push(file)
      }
      next = nextLink(link, page)
    }
    return files
  }

  /** A small text file (config.json, tokenizer_config.json…), refused beyond `maxBytes`. */
  async readText(repo: string, sha: string, path: string, maxBytes: number): Promise<string> {
    const { context, url } = this.#fileTarget(repo, sha, path)
    const bytes = await this.#request(
      url,
      context,
      async ({ response, touch }) => {
        try {
          return await readBodyLimited(response, maxBytes, touch)
        } catch (error) {
          if (!(error instanceof BodyTooLargeError)) throw error
          throw new UserError(`${describeTarget(context)} is larger than ${maxBytes} bytes, too large to read as metadata`, {
            hint: 'This file is not expected to be large; check that the repo is the model you meant.',
          })
        }
      },
      { 'accept-encoding': 'identity' },
    )
    try {
      return new TextDecoder('utf-8', { fatal: true }).decode(bytes)
    } catch (error) {
      throw new UserError(`${describeTarget(context)} is not UTF-8 text`, { cause: error })
    }
  }

  /** Random access to a file through HTTP Range requests, for header parsers. `size` (from `listFiles`) saves a probe. */
  rangeSource(repo: string, sha: string, path: string, size?: number): ByteSource {
    const { context, url } = this.#fileTarget(repo, sha, path)
    return new HubRangeSource(url, { ...this.#transport(), context }, size, this.#options.range)
  }

  /**
   * Ranged streaming of a whole file's bytes for the weight downloader (`src/pull/`). `size` comes from the listing
   * (fleet.lock); a server that disagrees fails with FileMismatchError.
   */
  fileStream(repo: string, sha: string, path: string, size: number): HubFileStream {
    const { context, url } = this.#fileTarget(repo, sha, path)
    return new HubFileStream(url, { ...this.#transport(), context }, size)
  }

  #fileTarget(repo: string, revision: string, path: string): { context: HubRequestContext; url: string } {
    validateRepoId(repo)
    validateRevision(revision)
    const context = { repo, revision, path }
    this.#assertOnline(context)
    return { context, url: hubUrls.resolve(this.endpoint, repo, revision, path) }
  }

  #transport(): HubFetchOptions {
    const { offline: _offline, range: _range, ...transport } = this.#options
    return { ...transport, endpoint: this.endpoint }
  }

  #request<T>(url: string, context: HubRequestContext, consume: Parameters<typeof hubRequest<T>>[3], headers: Record<string, string> = {}): Promise<T> {
    return hubRequest(url, { headers }, { ...this.#transport(), context }, consume)
  }

  #getJson(url: string, context: HubRequestContext, what: string): Promise<unknown> {
    return this.#request(url, context, async ({ response, touch }) => parseJson(await readJsonBody(response, touch, what), what))
  }

  #assertOnline(context: HubRequestContext): void {
    if (this.#options.offline === true) {
      throw new UserError(`HF_HUB_OFFLINE is set, so fleet cannot ask the Hub about ${describeTarget(context)}`, {
        hint: 'Unset HF_HUB_OFFLINE, or use a model that is already in the Hugging Face cache.',
      })
    }
  }
}

async function readJsonBody(response: Response, touch: () => void, what: string): Promise<Uint8Array> {
  try {
    return await readBodyLimited(response, MAX_JSON_BYTES, touch)
  } catch (error) {
    if (error instanceof BodyTooLargeError) throw badAnswer(what, `more than ${MAX_JSON_BYTES} bytes of JSON`)
    throw error
  }
}

function parseJson(bytes: Uint8Array, what: string): unknown {
  try {
    return JSON.parse(new TextDecoder().decode(bytes))
  } catch {
    throw badAnswer(what, 'the body is not JSON')
  }
}
