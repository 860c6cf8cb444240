// Shared by the engine-shaped fixture servers: flag parsing, the argv/env record, the "model loading" gate, and a
// listener that is safe to leave to a supervisor: 127.0.0.1 only, clean exit on SIGTERM, exit when the parent that
// started it goes away, and a hard lifetime cap. Plain Node ESM, no dependencies, so it runs as a real process.
//
// Environment (all optional):
//   FLEET_FIXTURE_RECORD=<file>   write {engine, argv, env, pid, cwd, host, port} there at startup
//   FIXTURE_LOAD_MS=<ms>          how long "loading the model" takes (default 300)
//   FIXTURE_NEVER_READY=1         the model never finishes loading
//   FIXTURE_CRASH_AFTER_MS=<ms>   exit 1 that long after start
//   FIXTURE_LISTEN_DELAY_MS=<ms>  wait before listening (connections are refused meanwhile, like a slow import)
//   FIXTURE_MAX_LIFETIME_MS=<ms>  exit 0 after that long no matter what (default 600000)
import { writeFileSync } from 'node:fs'
import { createServer } from 'node:http'

export function envNumber(name, fallback) {
  const raw = process.env[name]
  if (raw === undefined || raw === '') return fallback
  const value = Number(raw)
  return Number.isFinite(value) && value >= 0 ? value : fallback
}

/** The value of the first of `names` in argv, as `--flag value` or `--flag=value`. */
export function flagValue(argv, names) {
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]
    for (const name of names) {
      if (arg === name && i + 1 < argv.length) return argv[i + 1]
      if (arg.startsWith(`${name}=`)) return arg.slice(name.length + 1)
    }
  }
  return undefined
}

export function hasFlag(argv, names) {
  return argv.some((arg) => names.includes(arg))
}

export function record(engine, details) {
  const file = process.env.FLEET_FIXTURE_RECORD
  if (!file) return
  const data = { engine, argv: process.argv.slice(2), env: { ...process.env }, pid: process.pid, cwd: process.cwd(), ...details }
  writeFileSync(file, `${JSON.stringify(data, null, 2)}\n`)
}

/** "Loading the model": ready FIXTURE_LOAD_MS after start() (never with FIXTURE_NEVER_READY=1). */
export function loadGate() {
  const neverReady = process.env.FIXTURE_NEVER_READY === '1'
  const loadMs = envNumber('FIXTURE_LOAD_MS', 300)
  let ready = false
  let resolveReady
  const whenReady = new Promise((resolve) => (resolveReady = resolve))
  return {
    start() {
      if (neverReady) return
      setTimeout(() => {
        ready = true
        resolveReady()
      }, loadMs).unref()
    },
    isReady: () => ready,
    whenReady: () => whenReady,
  }
}

/** Resolves after `ms`, or never with FIXTURE_NEVER_READY=1 (a model load that never ends). */
export function loadDelay() {
  if (process.env.FIXTURE_NEVER_READY === '1') return new Promise(() => {})
  return new Promise((resolve) => setTimeout(resolve, envNumber('FIXTURE_LOAD_MS', 300)))
}

/**
 * Listens on 127.0.0.1:`port` whatever host the engine was told (a fixture must never be reachable from elsewhere),
 * then calls onListening (e.g. to start the load gate).
 */
export function serve(engine, port, handler, onListening = () => {}) {
  const server = createServer((req, res) => {
    Promise.resolve(handler(req, res)).catch((error) => {
      if (!res.headersSent) sendJson(res, 500, { error: `fixture ${engine}: ${error?.message ?? error}` })
      else res.destroy()
    })
  })
  server.on('error', (error) => {
    process.stderr.write(`[fixture ${engine}] ${error.message}\n`)
    process.exit(1)
  })
  const stop = (code) => {
    server.closeAllConnections?.()
    server.close()
    process.exit(code)
  }
  process.on('SIGTERM', () => stop(0))
  process.on('SIGINT', () => stop(0))
  const crashAfter = envNumber('FIXTURE_CRASH_AFTER_MS', -1)
  if (crashAfter >= 0) {
    setTimeout(() => {
      process.stderr.write(`[fixture ${engine}] crashing (FIXTURE_CRASH_AFTER_MS=${crashAfter})\n`)
      process.exit(1)
    }, crashAfter)
  }
  setTimeout(() => stop(0), envNumber('FIXTURE_MAX_LIFETIME_MS', 600_000)).unref()
  // Orphaned (the test runner or supervisor died): reparented, so ppid changes. launchd children start with ppid 1,
  // which is why this compares with the first ppid instead of testing for 1.
  const parent = process.ppid
  setInterval(() => {
    if (process.ppid !== parent) stop(0)
  }, 1000).unref()
  setTimeout(() => {
    server.listen(port, '127.0.0.1', () => {
      process.stdout.write(`[fixture ${engine}] listening on 127.0.0.1:${server.address().port}\n`)
      onListening()
    })
  }, envNumber('FIXTURE_LISTEN_DELAY_MS', 0))
  return server
}

export function sendJson(res, status, body) {
  const text = JSON.stringify(body)
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) })
  res.end(text)
}

export function sendText(res, status, text, type = 'text/plain; charset=utf-8') {
  res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(text) })
  res.end(text)
}

/** The request body as JSON (null when empty or not JSON), read up to 1 MiB. */
export async function readJson(req) {
  const chunks = []
  let size = 0
  for await (const chunk of req) {
    size += chunk.length
    if (size > 1 << 20) throw new Error('request body over 1 MiB')
    chunks.push(chunk)
  }
  const text = Buffer.concat(chunks).toString('utf8')
  if (text === '') return null
  try {
    return JSON.parse(text)
  } catch {
    return null
  }
}

export function pathOf(req) {
  return new URL(req.url ?? '/', 'http://fixture').pathname
}

export function chatCompletion(model, content = 'Hi') {
  return {
    id: 'chatcmpl-fixture',
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model,
    choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'length' }],
    usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 },
  }
}

export function textCompletion(model, text = 'Hi') {
  return {
    id: 'cmpl-fixture',
    object: 'text_completion',
    created: Math.floor(Date.now() / 1000),
    model,
    choices: [{ index: 0, text, finish_reason: 'length', logprobs: null }],
    usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 },
  }
}

/**
 * A streamed completion (OpenAI SSE: `data: {choices:[{text}]}` per token, a usage chunk, `data: [DONE]`) whose
 * timing follows a known law, so `fleet bench` can be checked against the truth:
 *   time to first token = FIXTURE_FIRST_TOKEN_MS + prompt tokens / FIXTURE_PREFILL_TPS
 *   each next token     = (weightsBytes + FIXTURE_KV_BYTES_PER_TOKEN × context) / FIXTURE_BANDWIDTH + FIXTURE_T0_MS,
 * slower by 30 % for each other stream decoding at the same time. Prompt tokens are its whitespace-separated words.
 * Each token is sent at its scheduled time from the start, so timer jitter does not add up.
 */
let activeStreams = 0
export function streamLawCompletion(res, body, model, weightsBytes) {
  const prompt = typeof body.prompt === 'string' ? body.prompt : ''
  const promptTokens = prompt.trim() === '' ? 0 : prompt.trim().split(/\s+/).length
  const maxTokens = Number(body.max_tokens ?? 16)
  const bandwidth = envNumber('FIXTURE_BANDWIDTH', 1e9)
  const t0 = envNumber('FIXTURE_T0_MS', 2)
  const kv = envNumber('FIXTURE_KV_BYTES_PER_TOKEN', 0)
  const ttft = envNumber('FIXTURE_FIRST_TOKEN_MS', 5) + (promptTokens / envNumber('FIXTURE_PREFILL_TPS', 20000)) * 1000
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' })
  const started = performance.now()
  activeStreams += 1
  let sent = 0
  let due = ttft
  let closed = false
  res.on('close', () => (closed = true))
  const send = () => {
    if (closed) return void (activeStreams -= 1)
    res.write(`data: ${JSON.stringify({ id: 'cmpl-fixture', object: 'text_completion', model, choices: [{ index: 0, text: ' hi', finish_reason: null }] })}\n\n`)
    sent += 1
    if (sent >= maxTokens) {
      activeStreams -= 1
      res.write(`data: ${JSON.stringify({ id: 'cmpl-fixture', object: 'text_completion', model, choices: [], usage: { prompt_tokens: promptTokens, completion_tokens: sent, total_tokens: promptTokens + sent } })}\n\n`)
      res.end('data: [DONE]\n\n')
      return
    }
    const context = promptTokens + sent
    due += (((weightsBytes + kv * context) / bandwidth) * 1000 + t0) * (1 + 0.3 * (activeStreams - 1))
    setTimeout(send, Math.max(0, due - (performance.now() - started)))
  }
  setTimeout(send, ttft)
}
