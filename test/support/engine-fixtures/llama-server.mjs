#!/usr/bin/env node
// Stands in for llama-server (llama.cpp tools/server): same flags fleet passes, same loading behaviour.
// GET /health (and /v1/health) answers 503 {"error":{"code":503,"message":"Loading model","type":"unavailable_error"}}
// while the model loads, then 200 {"status":"ok"}; every other route answers that 503 while loading too.
// Then: GET /v1/models, /props, /metrics (with --metrics), POST /v1/chat/completions, /v1/completions.
// With --rpc HOST:PORT,…, it connects to every rpc-server before loading (a refused one fails the start, as
// ggml_backend_rpc does) and exits 1 when one of them goes away (the RPC backend aborts on a lost connection).
import { connect } from 'node:net'
import { statSync } from 'node:fs'
import { chatCompletion, streamLawCompletion, flagValue, hasFlag, loadGate, pathOf, readJson, record, sendJson, sendText, serve, textCompletion } from './fixture-lib.mjs'

const argv = process.argv.slice(2)
const model = flagValue(argv, ['-m', '--model']) ?? process.env.LLAMA_ARG_MODEL ?? null
const alias = flagValue(argv, ['-a', '--alias']) ?? process.env.LLAMA_ARG_ALIAS ?? null
const host = flagValue(argv, ['--host']) ?? '127.0.0.1'
// 9931 is the current README's default; fleet always passes --port.
const port = Number(flagValue(argv, ['--port']) ?? process.env.LLAMA_ARG_PORT ?? 9931)
const parallel = Number(flagValue(argv, ['-np', '--parallel']) ?? 1)
const ctx = Number(flagValue(argv, ['-c', '--ctx-size']) ?? 0)
const metrics = hasFlag(argv, ['--metrics'])
const modelId = alias?.split(',')[0] ?? model ?? 'model'

if (model === null) {
  process.stderr.write('error: no model given (-m)\n')
  process.exit(1)
}
record('llama-server', { host, port })
// The streaming law's weights: the GGUF file's size (what a decoded token reads, as the fixture models it).
const weightsBytes = (() => {
  try {
    return statSync(model).size
  } catch {
    return 0
  }
})()

const LOADING = { error: { code: 503, message: 'Loading model', type: 'unavailable_error' } }
const gate = loadGate()
const rpc = flagValue(argv, ['--rpc'])
const workersJoined = rpc === undefined ? Promise.resolve() : joinWorkers(rpc.split(','))

function joinWorkers(endpoints) {
  return Promise.all(
    endpoints.map(
      (endpoint) =>
        new Promise((resolve) => {
          const [workerHost, workerPort] = endpoint.split(':')
          const socket = connect({ host: workerHost, port: Number(workerPort) }, () => socket.write('hello\n'))
          let joined = false
          socket.on('data', () => {
            joined = true
            resolve()
          })
          socket.on('error', () => {})
          socket.on('close', () => {
            process.stderr.write(joined ? `ggml_backend_rpc: lost the connection to ${endpoint}\n` : `failed to connect to RPC server at ${endpoint}\n`)
            process.exit(1)
          })
        }),
    ),
  )
}
let requests = 0

serve(
  'llama-server',
  port,
  async (req, res) => {
    const path = pathOf(req)
    if (req.method === 'GET' && (path === '/health' || path === '/v1/health')) {
      return gate.isReady() ? sendJson(res, 200, { status: 'ok' }) : sendJson(res, 503, LOADING)
    }
    if (!gate.isReady()) return sendJson(res, 503, LOADING)
    if (req.method === 'GET' && (path === '/v1/models' || path === '/models')) {
      return sendJson(res, 200, { object: 'list', data: [{ id: modelId, object: 'model', owned_by: 'llamacpp', created: 0, meta: { n_ctx_train: ctx } }] })
    }
    if (req.method === 'GET' && path === '/props') {
      return sendJson(res, 200, { total_slots: parallel, model_path: model, is_sleeping: false, build_info: 'fixture' })
    }
    if (req.method === 'GET' && path === '/metrics' && metrics) {
      return sendText(res, 200, `# TYPE llamacpp:requests_processing gauge\nllamacpp:requests_processing 0\nllamacpp:n_decode_total ${requests}\n`)
    }
    if (req.method === 'POST' && (path === '/v1/chat/completions' || path === '/chat/completions')) {
      await readJson(req)
      requests++
      return sendJson(res, 200, chatCompletion(modelId))
    }
    if (req.method === 'POST' && (path === '/v1/completions' || path === '/completion' || path === '/completions')) {
      const body = await readJson(req)
      requests++
      if (body?.stream === true) return streamLawCompletion(res, body, modelId, weightsBytes)
      return sendJson(res, 200, textCompletion(modelId))
    }
    return sendJson(res, 404, { error: { code: 404, message: 'File Not Found', type: 'not_found_error' } })
  },
  () => void workersJoined.then(() => gate.start()),
)
