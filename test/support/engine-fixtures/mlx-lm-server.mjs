#!/usr/bin/env node
// Stands in for mlx_lm.server (mlx-lm 0.32 server.py). GET /health answers 200 {"status": "ok"} at once, even while
// the model loads; completions are queued until the model is loaded and then answered (FIXTURE_MLX_WHILE_LOADING=fail
// answers 500 instead of waiting). A request naming any model but "default_model" or the --model string is refused
// with 400: the real server would unload --model and load that one (an HF id can start a download).
// Like server.py, a POST without Content-Length gets 411.
//
// Started by mlx.launch (MLX_RANK set), it is one rank of a distributed server (server.py main: sharded_load, only
// rank 0 serves HTTP): --model must be a repo id this machine's cache holds at refs/main (HF_HUB_OFFLINE=1, as the
// hostfile's envs set), ranks meet over the ring addresses in MLX_HOSTFILE (rank 0 listens on its own, the others
// connect to it), rank 0 answers completions only once every rank has joined, and any rank whose peer goes away exits 1
// as a broken ring does. --fixture-rank-crash N makes rank N fail while loading.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs'
import { connect, createServer } from 'node:net'
import { homedir } from 'node:os'
import { join } from 'node:path'
import { chatCompletion, streamLawCompletion, flagValue, loadGate, pathOf, readJson, record, sendJson, sendText, serve, textCompletion } from './fixture-lib.mjs'

const argv = process.argv.slice(2)
const model = flagValue(argv, ['--model']) ?? null
const host = flagValue(argv, ['--host']) ?? '127.0.0.1'
const port = Number(flagValue(argv, ['--port']) ?? 8080)
const failWhileLoading = process.env.FIXTURE_MLX_WHILE_LOADING === 'fail'
record('mlx_lm.server', { host, port })

const gate = loadGate()
let distributedSnapshot = null
const distributed = process.env.MLX_RANK !== undefined ? joinRing(Number(process.env.MLX_RANK)) : null

/** The streaming law's weights: the model's safetensors (a snapshot directory, or the repo resolved by a rank). */
function safetensorsBytes() {
  const dir = distributedSnapshot ?? model
  try {
    return readdirSync(dir)
      .filter((f) => f.endsWith('.safetensors'))
      .reduce((sum, f) => sum + statSync(join(dir, f)).size, 0)
  } catch {
    return 0
  }
}
function die(message) {
  process.stderr.write(`[fixture mlx_lm.server rank ${process.env.MLX_RANK}] ${message}\n`)
  process.exit(1)
}

/** This rank's part: the model from its own cache, then the ring. Resolves when every rank has joined (rank 0). */
function joinRing(rank) {
  if (process.env.HF_HUB_OFFLINE !== '1') die('HF_HUB_OFFLINE is not 1: a rank would ask the Hub for the model')
  if (model === null || !/^[\w.-]+\/[\w.-]+$/.test(model)) die(`--model ${model} is not a repo id (each rank resolves it in its own cache)`)
  const cache = process.env.HF_HUB_CACHE ?? (process.env.HF_HOME ? join(process.env.HF_HOME, 'hub') : join(homedir(), '.cache', 'huggingface', 'hub'))
  const repoDir = join(cache, `models--${model.replace('/', '--')}`)
  const ref = join(repoDir, 'refs', 'main')
  if (!existsSync(ref)) die(`offline and ${ref} does not exist: the model is not in this machine's cache`)
  const snapshot = join(repoDir, 'snapshots', readFileSync(ref, 'utf8').trim())
  if (!existsSync(join(snapshot, 'config.json'))) die(`${snapshot} has no config.json`)
  distributedSnapshot = snapshot
  const crash = flagValue(argv, ['--fixture-rank-crash'])
  if (crash !== undefined && Number(crash) === rank) die('failed while loading its shard (--fixture-rank-crash)')
  const ring = JSON.parse(readFileSync(process.env.MLX_HOSTFILE ?? '', 'utf8') || '[]')
  const size = ring.length
  const [host, port] = ring[0][0].split(':')
  record('mlx_lm.server', { rank, size, snapshot, pipeline: argv.includes('--pipeline') })
  if (rank === 0) {
    return new Promise((resolve) => {
      const peers = new Set()
      const server = createServer((socket) => {
        socket.once('data', () => {
          peers.add(socket)
          if (peers.size === size - 1) resolve()
        })
        socket.on('close', () => peers.has(socket) && die('a rank left the ring'))
        socket.on('error', () => {})
      })
      server.on('error', (error) => die(`cannot listen on ${ring[0][0]}: ${error.message}`))
      server.listen(Number(port), host)
      if (size <= 1) resolve()
    })
  }
  const deadline = Date.now() + 30_000
  const attempt = () => {
    const socket = connect({ host, port: Number(port) }, () => socket.write(`rank ${rank}\n`))
    let joined = false
    socket.on('connect', () => (joined = true))
    socket.on('error', () => {})
    socket.on('close', () => {
      if (joined) die('rank 0 left the ring')
      if (Date.now() > deadline) die(`rank 0 at ${ring[0][0]} never answered`)
      setTimeout(attempt, 100)
    })
  }
  attempt()
  // Ranks other than 0 serve nothing: they wait for rank 0's broadcasts until the ring breaks or they are stopped.
  for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP']) process.on(signal, () => process.exit(0))
  setInterval(() => {}, 60_000)
  return null
}
const ROUTES = new Set(['/v1/completions', '/v1/chat/completions', '/chat/completions'])

if (distributed === null && process.env.MLX_RANK !== undefined) {
  // A rank other than 0: no HTTP.
} else serve(
  'mlx_lm.server',
  port,
  async (req, res) => {
    const path = pathOf(req)
    if (req.method === 'GET' && path === '/health') return sendText(res, 200, '{"status": "ok"}', 'application/json')
    if (req.method === 'GET' && path.startsWith('/v1/models')) {
      return sendJson(res, 200, { object: 'list', data: model === null ? [] : [{ id: model, object: 'model', created: 0 }] })
    }
    if (req.method !== 'POST' || !ROUTES.has(path)) return sendText(res, 404, 'Not Found')
    if (req.headers['content-length'] === undefined) return sendJson(res, 411, { error: 'Content-Length header is required' })
    const body = await readJson(req)
    if (body === null || typeof body !== 'object') return sendJson(res, 400, { error: 'Request should be a JSON dictionary' })
    const requested = body.model ?? 'default_model'
    if (requested !== 'default_model' && requested !== model) {
      return sendJson(res, 400, { error: `fixture: model "${requested}" would make mlx_lm.server unload --model and load another model` })
    }
    if (distributed !== null) await distributed
    if (!gate.isReady()) {
      if (failWhileLoading) return sendJson(res, 500, { error: 'model is still loading' })
      // Queued behind the load, as the generation thread does; a client that gives up is let go.
      let closed = false
      const gone = new Promise((resolve) => res.on('close', () => resolve((closed = true))))
      await Promise.race([gate.whenReady(), gone])
      if (closed) return
    }
    const id = model ?? 'default_model'
    if (path === '/v1/completions' && body.stream === true) return streamLawCompletion(res, body, id, safetensorsBytes())
    return path === '/v1/completions' ? sendJson(res, 200, textCompletion(id)) : sendJson(res, 200, chatCompletion(id))
  },
  () => gate.start(),
)
