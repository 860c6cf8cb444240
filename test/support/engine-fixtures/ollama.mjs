#!/usr/bin/env node
// Stands in for `ollama serve` (ollama/ollama server/routes.go, docs/api.md). Configured like the real one through
// OLLAMA_HOST (host:port, default 127.0.0.1:11434) and the other OLLAMA_* variables (recorded, not acted on).
// Routes: GET/HEAD /, GET/HEAD /api/version, HEAD/POST /api/blobs/:digest (the upload is hashed and checked, and
// its bytes dropped), POST /api/create (from pushed blobs), POST /api/generate (no prompt = load; keep_alive 0 =
// unload; loading takes FIXTURE_LOAD_MS, forever with FIXTURE_NEVER_READY=1), GET /api/ps, GET /api/tags,
// POST /v1/chat/completions. State lives in memory only.
import { createHash } from 'node:crypto'
import { chatCompletion, loadDelay, pathOf, readJson, record, sendJson, sendText, serve } from './fixture-lib.mjs'

if (process.argv[2] !== 'serve') {
  process.stderr.write('fixture ollama: only `ollama serve` is supported\n')
  process.exit(2)
}

/** envconfig.Host(): optional scheme, host[:port]; a bare host gets 11434. */
function parseHost(value) {
  const raw = (value ?? '').trim().replace(/^https?:\/\//, '').split('/')[0]
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(raw)
  if (bracketed) return { host: bracketed[1], port: Number(bracketed[2] ?? 11434) }
  const [host, port] = raw.split(':')
  return { host: host || '127.0.0.1', port: Number(port ?? 11434) }
}

const { host, port } = parseHost(process.env.OLLAMA_HOST)
record('ollama', { host, port })

const DIGEST = /^sha256[:-][0-9a-f]{64}$/
const blobs = new Set()
/** name:tag → { name, digest, files, parameters, size } */
const models = new Map()
/** name:tag → { expiresAt } */
const loaded = new Map()
const loading = new Map()

const withTag = (name) => ((name.split('/').pop() ?? name).includes(':') ? name : `${name}:latest`)
const normDigest = (digest) => digest.replace('-', ':')

async function load(name) {
  if (loaded.has(name)) return
  if (!loading.has(name)) loading.set(name, loadDelay())
  await loading.get(name)
  loading.delete(name)
}

function expiry(keepAlive) {
  const value = keepAlive ?? process.env.OLLAMA_KEEP_ALIVE ?? '5m'
  const negative = typeof value === 'number' ? value < 0 : String(value).trim().startsWith('-')
  return negative ? '2318-08-28T00:00:00Z' : new Date(Date.now() + 300_000).toISOString()
}

function describe(entry) {
  const details = { parent_model: '', format: 'gguf', family: 'llama', families: ['llama'], parameter_size: '1B', quantization_level: 'Q4_K_M' }
  return { name: entry.name, model: entry.name, size: entry.size, digest: entry.digest, details }
}

async function pushBlob(req, res, digest) {
  if (blobs.has(digest)) {
    req.resume()
    return sendText(res, 200, '')
  }
  const hash = createHash('sha256')
  for await (const chunk of req) hash.update(chunk)
  const actual = `sha256:${hash.digest('hex')}`
  if (actual !== digest) return sendJson(res, 400, { error: `digest mismatch, expected "${digest}", got "${actual}"` })
  blobs.add(digest)
  return sendText(res, 201, '')
}

async function create(req, res) {
  const body = await readJson(req)
  if (body === null) return sendJson(res, 400, { error: 'missing request body' })
  if (typeof body.model !== 'string' || body.model === '') return sendJson(res, 400, { error: 'a model name is required' })
  const files = body.files ?? {}
  if (Object.keys(files).length === 0) return sendJson(res, 400, { error: "neither 'from' or 'files' was specified" })
  for (const [name, digest] of Object.entries(files)) {
    if (name.startsWith('/') || name.split('/').includes('..')) return sendJson(res, 400, { error: 'file path must be relative' })
    if (!blobs.has(normDigest(String(digest)))) return sendJson(res, 400, { error: `blob ${digest} not found` })
  }
  const name = withTag(body.model)
  const digest = createHash('sha256').update(JSON.stringify([files, body.parameters ?? {}])).digest('hex')
  models.set(name, { name, digest, files, parameters: body.parameters ?? {}, size: 1024 })
  loaded.delete(name)
  const steps = [{ status: 'parsing GGUF' }, ...Object.values(files).map((d) => ({ status: `using existing layer ${d}` })), { status: 'writing manifest' }, { status: 'success' }]
  if (body.stream === false) return sendJson(res, 200, { status: 'success' })
  return sendText(res, 200, steps.map((s) => JSON.stringify(s)).join('\n') + '\n', 'application/x-ndjson')
}

async function generate(req, res) {
  const body = (await readJson(req)) ?? {}
  const name = withTag(String(body.model ?? ''))
  if (!models.has(name)) return sendJson(res, 404, { error: `model '${body.model}' not found` })
  const base = { model: name, created_at: new Date().toISOString() }
  if (body.keep_alive === 0 || body.keep_alive === '0' || body.keep_alive === '0s') {
    loaded.delete(name)
    return sendJson(res, 200, { ...base, response: '', done: true, done_reason: 'unload' })
  }
  await load(name)
  loaded.set(name, { expiresAt: expiry(body.keep_alive) })
  if (typeof body.prompt !== 'string' || body.prompt === '') return sendJson(res, 200, { ...base, response: '', done: true })
  const answer = { ...base, response: 'Hi', done: true, done_reason: 'stop' }
  if (body.stream === false) return sendJson(res, 200, answer)
  return sendText(res, 200, `${JSON.stringify({ ...base, response: 'Hi', done: false })}\n${JSON.stringify({ ...answer, response: '' })}\n`, 'application/x-ndjson')
}

serve('ollama', port, async (req, res) => {
  const path = pathOf(req)
  const method = req.method
  if ((method === 'GET' || method === 'HEAD') && path === '/') return sendText(res, 200, 'Ollama is running')
  if ((method === 'GET' || method === 'HEAD') && path === '/api/version') return sendJson(res, 200, { version: '0.0.0-fixture' })
  if (path.startsWith('/api/blobs/')) {
    const digest = decodeURIComponent(path.slice('/api/blobs/'.length))
    if (!DIGEST.test(digest)) return sendJson(res, 400, { error: 'invalid digest format' })
    if (method === 'HEAD') return blobs.has(normDigest(digest)) ? sendText(res, 200, '') : sendJson(res, 404, { error: `blob "${digest}" not found` })
    if (method === 'POST') return pushBlob(req, res, normDigest(digest))
  }
  if (method === 'POST' && path === '/api/create') return create(req, res)
  if (method === 'POST' && path === '/api/generate') return generate(req, res)
  if (method === 'GET' && path === '/api/ps') {
    return sendJson(res, 200, { models: [...loaded].map(([name, l]) => ({ ...describe(models.get(name)), expires_at: l.expiresAt, size_vram: 1024 })) })
  }
  if (method === 'GET' && path === '/api/tags') return sendJson(res, 200, { models: [...models.values()].map(describe) })
  if (method === 'POST' && path === '/v1/chat/completions') {
    const body = (await readJson(req)) ?? {}
    const name = withTag(String(body.model ?? ''))
    if (!models.has(name)) return sendJson(res, 404, { error: { message: `model "${body.model}" not found, try pulling it first`, type: 'api_error' } })
    await load(name)
    if (!loaded.has(name)) loaded.set(name, { expiresAt: expiry(undefined) })
    return sendJson(res, 200, chatCompletion(name))
  }
  return sendText(res, 404, '404 page not found')
})
