#!/usr/bin/env node
// Stands in for llama.cpp's rpc-server (tools/rpc/rpc-server.cpp): -H/--host (default 127.0.0.1), -p/--port (default
// 50052), -c (local tensor cache; accepted, nothing cached here). Like the real one it prints its banner, then listens,
// and serves one client at a time: a client is the head's llama-server, which stays connected while it runs. The
// fixture answers a client's first line "hello" with "ok" and keeps the connection open.
import { createServer } from 'node:net'
import { flagValue, record } from './fixture-lib.mjs'

const argv = process.argv.slice(2)
const host = flagValue(argv, ['-H', '--host']) ?? '127.0.0.1'
const port = Number(flagValue(argv, ['-p', '--port']) ?? 50052)
record('rpc-server', { host, port })
process.stdout.write(`Starting RPC server v3.0.0\n  endpoint       : ${host}:${port}\n  local cache    : ${argv.includes('-c') ? 'on' : 'n/a'}\n`)
const server = createServer((socket) => {
  socket.on('data', (data) => {
    if (data.toString().startsWith('hello')) socket.write('ok\n')
  })
  socket.on('error', () => {})
})
server.on('error', (error) => {
  process.stderr.write(`[fixture rpc-server] ${error.message}\n`)
  process.exit(1)
})
server.listen(port, host)
for (const signal of ['SIGTERM', 'SIGINT']) process.on(signal, () => process.exit(0))
