/**
 * The steps after `ollama serve` starts, through its HTTP API (ollama/ollama `docs/api.md` @fb307609, handlers in
 * `server/routes.go` and `server/create.go`):
 * 1. `HEAD /api/blobs/sha256:<hex>`: 200 if the store has the blob, 404 if not (HeadBlobHandler).
 * 2. `POST /api/blobs/sha256:<hex>` with the file as the body: 201 created, 200 if present, 400 on a digest
 *    mismatch (CreateBlobHandler). Ollama copies the bytes into its store, so the GGUF is on disk twice.
 * 3. `POST /api/create {model, files: {<name>: "sha256:<hex>"}, parameters, stream: false}`: one JSON object,
 *    `{"status":"success"}` or `{"error": …}` with a 4xx/5xx status (waitForStream). Names must be relative paths;
 *    split GGUFs are grouped by their -0000N-of-0000M names (splitGGUFName).
 * 4. `POST /api/generate {model, keep_alive}` with no prompt loads the model ("Load a model"); `GET /api/ps` lists
 *    the loaded models.
 * Network errors are left to the caller (the readiness loop retries them); HTTP refusals become OllamaApiError.
 */
import { createHash } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { readlink } from 'node:fs/promises'
import { basename } from 'node:path'
import type { OllamaModelSource } from '../types.ts'

export interface OllamaRequestOptions {
  readonly fetch?: typeof globalThis.fetch
  readonly signal?: AbortSignal
}

/** Ollama refused a request. `permanent`: retrying the same request cannot help (a 4xx other than 404). */
export class OllamaApiError extends Error {
  override readonly name = 'OllamaApiError'
  readonly status: number
  readonly permanent: boolean
  constructor(message: string, status: number) {
    super(message)
    this.status = status
    this.permanent = status >= 400 && status < 500 && status !== 404
  }
}

type OllamaFile = OllamaModelSource['files'][number]

const SHA256_HEX = /^[0-9a-f]{64}$/

/**
 * The file's sha256: as the lock/Hub reported it; else from the HF cache symlink (snapshots/<commit>/x.gguf →
 * ../../blobs/<sha256>, protocols §2); else by reading the whole file.
 */
export async function fileSha256(file: OllamaFile): Promise<string> {
  if (file.sha256 !== null && SHA256_HEX.test(file.sha256)) return file.sha256
  const target = await readlink(file.path).catch(() => null)
  if (target !== null && SHA256_HEX.test(basename(target))) return basename(target)
  const hash = createHash('sha256')
  for await (const chunk of createReadStream(file.path)) hash.update(chunk as Buffer)
  return hash.digest('hex')
}

/** Pushes the file unless the store already has it. */
export async function ensureOllamaBlob(baseUrl: string, file: OllamaFile, digest: string, options: OllamaRequestOptions = {}): Promise<'present' | 'uploaded'> {
  const fetchImpl = options.fetch ?? globalThis.fetch
  const url = `${baseUrl}/api/blobs/sha256:${digest}`
  const head = await fetchImpl(url, { method: 'HEAD', signal: options.signal })
  if (head.ok) return 'present'
  if (head.status !== 404) throw new OllamaApiError(`HEAD ${url} answered ${head.status}`, head.status)
  // Streamed: a GGUF can be tens of GB. undici needs duplex 'half' for a streaming request body.
  const post = await fetchImpl(url, { method: 'POST', body: createReadStream(file.path), duplex: 'half', signal: options.signal })
  if (post.ok) {
    await post.body?.cancel()
    return 'uploaded'
  }
  const message = await errorMessage(post)
  throw new OllamaApiError(`uploading ${file.path} to Ollama failed (${post.status}): ${message}`, post.status)
}

/** Creates (or re-creates, which is cheap once the blobs are present) `model` from the GGUF file(s). */
export async function createOllamaModel(baseUrl: string, model: string, source: OllamaModelSource, options: OllamaRequestOptions = {}): Promise<void> {
  const files: Record<string, string> = {}
  for (const file of source.files) {
    const digest = await fileSha256(file)
    await ensureOllamaBlob(baseUrl, file, digest, options)
    files[file.name] = `sha256:${digest}`
  }
  const body = { model, files, parameters: source.parameters, stream: false }
  const response = await postJson(baseUrl, '/api/create', body, options)
  if (!response.ok) throw new OllamaApiError(`creating Ollama model ${model} failed (${response.status}): ${await errorMessage(response)}`, response.status)
  const answer = await response.json().catch(() => null)
  if (!isRecord(answer) || answer.status !== 'success') {
    throw new OllamaApiError(`creating Ollama model ${model}: unexpected answer ${JSON.stringify(answer)?.slice(0, 200)}`, 500)
  }
}

/** Loads `model` and keeps it resident for `keepAlive`. Returns when Ollama has loaded it. */
export async function preloadOllamaModel(baseUrl: string, model: string, keepAlive: string, options: OllamaRequestOptions = {}): Promise<void> {
  const response = await postJson(baseUrl, '/api/generate', { model, keep_alive: keepAliveValue(keepAlive), stream: false }, options)
  if (!response.ok) throw new OllamaApiError(`loading Ollama model ${model} failed (${response.status}): ${await errorMessage(response)}`, response.status)
  await response.body?.cancel()
}

/** Whether GET /api/ps lists `model` (Ollama reports names with their tag, `fleet-chat:latest`). */
export async function ollamaModelLoaded(baseUrl: string, model: string, options: OllamaRequestOptions = {}): Promise<boolean> {
  const fetchImpl = options.fetch ?? globalThis.fetch
  const response = await fetchImpl(`${baseUrl}/api/ps`, { signal: options.signal })
  if (!response.ok) throw new OllamaApiError(`GET /api/ps answered ${response.status}`, response.status)
  const answer: unknown = await response.json().catch(() => null)
  const models = isRecord(answer) && Array.isArray(answer.models) ? answer.models : []
  const wanted = withTag(model)
  return models.some((m) => isRecord(m) && (withTag(String(m.name)) === wanted || withTag(String(m.model)) === wanted))
}

/**
 * keep_alive as api.Duration parses it (api/types.go `UnmarshalJSON`): a JSON number is seconds (negative = forever);
 * a string must be a Go duration ("10m"). OLLAMA_KEEP_ALIVE also accepts integer strings, so those become numbers.
 */
export function keepAliveValue(keepAlive: string): number | string {
  return /^-?\d+$/.test(keepAlive.trim()) ? Number(keepAlive) : keepAlive
}

/** Whether a preload with this keep_alive leaves the model resident (0 unloads it right away). */
export function keepsLoaded(keepAlive: string): boolean {
  const value = keepAliveValue(keepAlive)
  return !(value === 0 || (typeof value === 'string' && /^0+(\.0+)?[a-zµ]*$/.test(value)))
}

function withTag(name: string): string {
  const last = name.split('/').pop() ?? name
  return last.includes(':') ? name : `${name}:latest`
}

function postJson(baseUrl: string, path: string, body: unknown, options: OllamaRequestOptions): Promise<Response> {
  const fetchImpl = options.fetch ?? globalThis.fetch
  return fetchImpl(`${baseUrl}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body), signal: options.signal })
}

async function errorMessage(response: Response): Promise<string> {
  const text = await response.text().catch(() => '')
  try {
    const parsed: unknown = JSON.parse(text)
    if (isRecord(parsed) && typeof parsed.error === 'string') return parsed.error
  } catch {
    // not JSON: fall through to the raw text
  }
  return text.slice(0, 200) || response.statusText
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}
