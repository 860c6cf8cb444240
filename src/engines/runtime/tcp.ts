/**
 * Whether something accepts TCP connections at host:port: the readiness of a server that speaks no HTTP (llama.cpp's
 * rpc-server), and the head's check that each worker's rpc-server is reachable. Connects and closes at once, sending
 * nothing (rpc-server serves one client at a time and drops a connection that sends no hello).
 */
import { connect } from 'node:net'

export function tcpAccepts(host: string, port: number, options: { timeoutMs: number; signal?: AbortSignal }): Promise<{ ok: true } | { ok: false; reason: string }> {
  return new Promise((resolve) => {
    const socket = connect({ host, port })
    const done = (result: { ok: true } | { ok: false; reason: string }): void => {
      clearTimeout(timer)
      options.signal?.removeEventListener('abort', onAbort)
      socket.destroy()
      resolve(result)
    }
    const onAbort = (): void => done({ ok: false, reason: 'aborted' })
    const timer = setTimeout(() => done({ ok: false, reason: `no answer within ${(options.timeoutMs / 1000).toFixed(1)} s` }), options.timeoutMs)
    options.signal?.addEventListener('abort', onAbort, { once: true })
    socket.once('connect', () => done({ ok: true }))
    socket.once('error', (error: NodeJS.ErrnoException) =>
      done({ ok: false, reason: error.code === 'ECONNREFUSED' ? 'connection refused (nothing is listening on that port)' : error.code === 'EHOSTUNREACH' ? 'no route to host' : error.message }),
    )
  })
}
