import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { type Fault, FaultList } from './hub-faults.ts'
import { type FileBytes, type StoredRepo, type TestRepo, buildRepo } from './hub-repo.ts'
import { type HubState, type Reply, cdnRoute, hubError, route } from './hub-routes.ts'

export type { Fault } from './hub-faults.ts'
export type { TestRepo, TestRepoCommit, TestRepoFile } from './hub-repo.ts'

export interface TestHubOptions {
  repos: TestRepo[]
  /** The one token that is granted access to gated and private repos; any other token is valid but not granted. */
  token?: string
  /** Tree entries per page (default 50). */
  pageSize?: number
  /**
   * Where LFS files redirect to. `separate-origin` (default) is a second listener on another port with an absolute
   * `Location`, like the Hub's CDN hosts, so clients must drop Authorization on that hop. `same-origin` redirects to a
   * relative `/cdn/…` on the Hub itself.
   */
  cdn?: 'separate-origin' | 'same-origin'
  /** Slow bodies down (see `Throttle`); can be changed later with `setThrottle`. */
  throttle?: Throttle
}

/**
 * Sends matching bodies in `chunkBytes` pieces at about `bytesPerSecond`, so a download lasts long enough to be killed
 * mid-way. `path` is tested against path + query (CDN URLs carry `?file=<name>`); default: every body.
 */
export interface Throttle {
  bytesPerSecond: number
  chunkBytes?: number
  path?: RegExp
}

export interface RecordedRequest {
  method: string
  /** Path and query, as sent. */
  path: string
  range?: string
  /** Whether an Authorization header was present. */
  auth?: boolean
  server: 'hub' | 'cdn'
}

export interface TestHub {
  /** Base URL, e.g. `http://127.0.0.1:53211`; use it as HF_ENDPOINT. */
  url: string
  /** Base URL of the CDN listener (equals `url` with `cdn: 'same-origin'`). */
  cdnUrl: string
  close(): Promise<void>
  /** Every request received by the Hub and the CDN, in arrival order. */
  requests: RecordedRequest[]
  addFault(fault: Fault): void
  clearFaults(): void
  setRepos(repos: TestRepo[]): void
  setThrottle(throttle: Throttle | undefined): void
}

/**
 * A local stand-in for the Hugging Face Hub on 127.0.0.1 (no internet in tests): model info, paginated trees,
 * paths-info, refs, resolve with LFS redirects and Range, Hub-style errors, gating, and scripted faults.
 */
export async function startTestHub(options: TestHubOptions): Promise<TestHub> {
  const faults = new FaultList()
  const requests: RecordedRequest[] = []
  const timers = new Set<NodeJS.Timeout>()
  let throttle = options.throttle
  const state: { repos: Map<string, StoredRepo>; blobs: Map<string, FileBytes> } = { repos: new Map(), blobs: new Map() }
  const setRepos = (repos: TestRepo[]): void => {
    state.repos = new Map(repos.map((r) => [r.id, buildRepo(r)]))
    state.blobs = new Map()
    for (const repo of state.repos.values()) {
      for (const commit of repo.commits) for (const f of commit.files.values()) if (f.lfs !== undefined) state.blobs.set(f.sha256, f.content)
    }
  }
  setRepos(options.repos)

  const separateCdn = (options.cdn ?? 'separate-origin') === 'separate-origin'
  const hub = createServer()
  const cdn = separateCdn ? createServer() : hub
  const urls = { hub: await listen(hub), cdn: '' }
  urls.cdn = separateCdn ? await listen(cdn) : urls.hub
  const hubState = (): HubState => ({
    repos: state.repos,
    blobs: state.blobs,
    token: options.token,
    pageSize: options.pageSize ?? 50,
    hubUrl: urls.hub,
    cdnBase: separateCdn ? urls.cdn : '',
  })

  const handle =
    (server: 'hub' | 'cdn') =>
    (req: IncomingMessage, res: ServerResponse): void => {
      const chunks: Buffer[] = []
      req.on('data', (chunk: Buffer) => chunks.push(chunk))
      req.on('end', () => {
        const url = new URL(req.url ?? '/', server === 'hub' ? urls.hub : urls.cdn)
        const method = req.method ?? 'GET'
        const authorization = req.headers.authorization
        const range = req.headers.range
        requests.push({ method, path: url.pathname + url.search, ...(range === undefined ? {} : { range }), auth: authorization !== undefined, server })
        const fault = faults.take(method, url.pathname, url.search)
        let reply: Reply
        try {
          reply = answer(server, method, url, authorization, range, Buffer.concat(chunks).toString('utf8'), fault)
        } catch (error) {
          // decodeURIComponent on a malformed escape, mostly; a real Hub answers 400 too.
          reply = hubError(400, undefined, error instanceof Error ? error.message : 'Bad request')
        }
        const slow = throttle !== undefined && (throttle.path === undefined || throttle.path.test(url.pathname + url.search)) ? throttle : undefined
        send(res, method, reply, fault, timers, slow)
      })
    }

  const answer = (server: 'hub' | 'cdn', method: string, url: URL, authorization: string | undefined, range: string | undefined, body: string, fault: Fault | undefined): Reply => {
    if (fault?.kind === 'status') {
      const reply = hubError(fault.status, fault.errorCode, `Injected HTTP ${fault.status}${fault.errorCode === undefined ? '' : ` (${fault.errorCode})`}`)
      return { ...reply, headers: { ...reply.headers, ...fault.headers } }
    }
    if (fault?.kind === 'redirect-loop') return redirect('/__loop/a')
    if (url.pathname === '/__loop/a') return redirect('/__loop/b')
    if (url.pathname === '/__loop/b') return redirect('/__loop/a')
    const segments = url.pathname.split('/').slice(1)
    const token = /^Bearer (.+)$/.exec(authorization ?? '')?.[1]
    const request = { method, url, segments, token, range, body }
    const serveCdn = server === 'cdn' || !separateCdn
    if (segments[0] === 'cdn' && serveCdn) return cdnRoute(request, hubState(), segments[1] ?? '')
    if (server === 'cdn') return { status: 404, headers: {} }
    return route(request, hubState())
  }

  hub.on('request', handle('hub'))
  if (separateCdn) cdn.on('request', handle('cdn'))

  return {
    url: urls.hub,
    cdnUrl: urls.cdn,
    requests,
    addFault: (fault) => faults.add(fault),
    clearFaults: () => faults.clear(),
    setRepos,
    setThrottle: (next) => {
      throttle = next
    },
    close: async () => {
      for (const timer of timers) clearTimeout(timer)
      await Promise.all([close(hub), ...(separateCdn ? [close(cdn)] : [])])
    },
  }
}

function redirect(location: string): Reply {
  return { status: 302, headers: { location, 'content-type': 'text/plain' }, body: new TextEncoder().encode(`Found. Redirecting to ${location}`) }
}

/** Writes a reply, bending the body as a body fault asks. */
function send(res: ServerResponse, method: string, reply: Reply, fault: Fault | undefined, timers: Set<NodeJS.Timeout>, throttle?: Throttle): void {
  let body = reply.body ?? new Uint8Array(0)
  const declared = body.byteLength
  if (fault?.kind === 'wrong-bytes') body = body.map((b) => b ^ 0xff)
  if (fault?.kind === 'short-body') body = body.subarray(0, Math.floor(body.byteLength / 2))
  if (fault?.kind === 'long-body') body = Buffer.concat([body, Buffer.alloc(16, 0x21)])
  const length = fault?.kind === 'drop' || fault?.kind === 'stall' ? declared : body.byteLength
  res.writeHead(reply.status, { ...reply.headers, 'content-length': String(length) })
  if (method === 'HEAD') {
    res.end()
    return
  }
  if (fault?.kind === 'drop') {
    // Headers plus the first bytes, then a dead socket: the client sees a body that ends too early.
    res.write(body.subarray(0, fault.afterBytes), () => res.destroy())
    return
  }
  if (fault?.kind === 'stall') {
    res.write(body.subarray(0, fault.afterBytes))
    const timer = setTimeout(() => {
      timers.delete(timer)
      if (!res.destroyed) res.end(body.subarray(fault.afterBytes))
    }, fault.ms)
    timers.add(timer)
    return
  }
  if (throttle !== undefined && body.byteLength > 0) {
    sendSlowly(res, body, throttle, timers)
    return
  }
  res.end(body)
}

function sendSlowly(res: ServerResponse, body: Uint8Array, throttle: Throttle, timers: Set<NodeJS.Timeout>): void {
  const chunk = Math.max(1, throttle.chunkBytes ?? 16 * 1024)
  const intervalMs = (chunk / throttle.bytesPerSecond) * 1000
  let at = 0
  const step = (): void => {
    // The client went away (aborted, killed): stop, as a real server would.
    if (res.destroyed) return
    const end = Math.min(body.byteLength, at + chunk)
    res.write(body.subarray(at, end))
    at = end
    if (at >= body.byteLength) {
      res.end()
      return
    }
    const timer = setTimeout(() => {
      timers.delete(timer)
      step()
    }, intervalMs)
    timers.add(timer)
  }
  step()
}

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => resolve())
  })
  const { port } = server.address() as AddressInfo
  return `http://127.0.0.1:${port}`
}

async function close(server: Server): Promise<void> {
  // Keep-alive sockets from fetch would hold close() open; tests must not wait for their idle timeout.
  server.closeAllConnections()
  await new Promise<void>((resolve) => server.close(() => resolve()))
}
