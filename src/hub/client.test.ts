import { createServer } from 'node:net'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { type TestHub, type TestRepo, startTestHub } from '../../test/support/hub-server.ts'
import { gitBlobSha1, sha256Hex } from '../../test/support/hub-repo.ts'
import { UserError } from '../errors.ts'
import { HubClient, type HubClientOptions } from './client.ts'
import { HubHttpError } from './hub-errors.ts'

const TOKEN = 'hf_testsecrettoken123'
const OLD_SHA = 'a'.repeat(40)
const HOSTILE_SHA = 'b'.repeat(40)
const weights = Uint8Array.from({ length: 5000 }, (_, i) => (i * 7) % 251)
const config = JSON.stringify({ model_type: 'llama', hidden_size: 64 })

const repos: TestRepo[] = [
  {
    id: 'org/model',
    commits: [
      { sha: OLD_SHA, files: [{ path: 'config.json', content: '{}' }], refs: ['refs/tags/v0'] },
      {
        files: [
          { path: 'config.json', content: config },
          { path: 'model.safetensors', content: weights },
          { path: 'tokenizer/vocab.txt', content: 'a\nb\n' },
        ],
      },
    ],
  },
  {
    id: 'org/many-files',
    commits: [{ files: Array.from({ length: 24 }, (_, i) => ({ path: `shards/part-${String(i).padStart(2, '0')}.txt`, content: `part ${i}` })) }],
  },
  { id: 'org/gated', gated: 'manual', commits: [{ files: [{ path: 'config.json', content: config }] }] },
  { id: 'org/private', private: true, commits: [{ files: [{ path: 'config.json', content: config }] }] },
  {
    id: 'org/hostile',
    commits: [
      {
        sha: HOSTILE_SHA,
        files: [
          { path: 'ok.txt', content: 'x' },
          { path: 'sub/../../escape.txt', content: 'x' },
        ],
      },
    ],
  },
]

let hub: TestHub
const sleeps: number[] = []

function client(overrides: Partial<HubClientOptions> = {}): HubClient {
  return new HubClient({
    endpoint: hub.url,
    retries: 3,
    timeoutMs: 2_000,
    random: () => 0.5,
    sleep: async (ms) => {
      sleeps.push(ms)
    },
    ...overrides,
  })
}

/** Runs `promise`, expecting a UserError, and returns it for closer inspection. */
async function failure(promise: Promise<unknown>): Promise<UserError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  )
  expect(error).toBeInstanceOf(UserError)
  return error as UserError
}

beforeAll(async () => {
  hub = await startTestHub({ repos, token: TOKEN, pageSize: 10 })
})
afterAll(async () => {
  await hub.close()
})
afterEach(() => {
  hub.clearFaults()
  hub.requests.length = 0
  sleeps.length = 0
})

describe('getModelInfo / resolveRevision', () => {
  it('returns the commit of main, the file names and gating', async () => {
    const info = await client().getModelInfo('org/model')
    expect(info.sha).toMatch(/^[0-9a-f]{40}$/)
    expect(info.sha).not.toBe(OLD_SHA)
    expect(info.siblings).toEqual(['config.json', 'model.safetensors', 'tokenizer/vocab.txt'])
    expect(info.gated).toBe(false)
    expect(hub.requests[0]?.path).toBe('/api/models/org/model')
  })

  it('resolves tags and shas through /revision/', async () => {
    expect(await client().resolveRevision('org/model', 'v0')).toBe(OLD_SHA)
    expect(await client().resolveRevision('org/model', OLD_SHA)).toBe(OLD_SHA)
    expect(hub.requests.map((r) => r.path)).toEqual([`/api/models/org/model/revision/v0`, `/api/models/org/model/revision/${OLD_SHA}`])
  })

  it('names the repo and revision when the revision does not exist', async () => {
    const error = await failure(client().resolveRevision('org/model', 'nope'))
    expect(error.message).toContain('"nope"')
    expect(error.message).toContain('org/model')
    expect(error.message).toContain('RevisionNotFound')
  })

  it('reports a missing repo with its id and X-Error-Code', async () => {
    const error = await failure(client().getModelInfo('org/missing'))
    expect(error).toBeInstanceOf(HubHttpError)
    expect((error as HubHttpError).errorCode).toBe('RepoNotFound')
    expect(error.message).toContain('org/missing')
    expect(error.message).toContain('RepoNotFound')
  })

  it('validates repo ids before any request', async () => {
    for (const bad of ['model', 'a/b/c', '../x', 'org/na me', 'org/a--b', 'org/.hidden']) {
      await expect(client().getModelInfo(bad)).rejects.toThrow(/Invalid Hugging Face repo id/)
    }
    expect(hub.requests).toEqual([])
  })

  it('refuses to go online when HF_HUB_OFFLINE is set', async () => {
    await expect(client({ offline: true }).getModelInfo('org/model')).rejects.toThrow(/HF_HUB_OFFLINE/)
    expect(hub.requests).toEqual([])
  })
})

describe('listFiles', () => {
  it('follows Link: rel="next" across pages and keeps only files', async () => {
    const { sha } = await client().getModelInfo('org/many-files')
    hub.requests.length = 0
    const files = await client().listFiles('org/many-files', sha)
    expect(files.map((f) => f.path)).toEqual(Array.from({ length: 24 }, (_, i) => `shards/part-${String(i).padStart(2, '0')}.txt`))
    const pages = hub.requests.filter((r) => r.path.includes('/tree/'))
    expect(pages.length).toBeGreaterThanOrEqual(3)
    expect(pages[0]?.path).toBe(`/api/models/org/many-files/tree/${sha}?recursive=true&expand=false`)
    expect(pages[1]?.path).toContain('cursor=')
  })

  it('reports LFS files with their sha256 and regular files with their git blob sha1', async () => {
    const { sha } = await client().getModelInfo('org/model')
    const files = await client().listFiles('org/model', sha)
    const byPath = new Map(files.map((f) => [f.path, f]))
    expect(byPath.get('model.safetensors')).toMatchObject({ size: weights.byteLength, lfs: { oid: sha256Hex(weights), size: weights.byteLength } })
    expect(byPath.get('config.json')).toEqual({ path: 'config.json', size: config.length, oid: gitBlobSha1(new TextEncoder().encode(config)) })
  })

  it('rejects a listing with a path that escapes the snapshot', async () => {
    const error = await failure(client().listFiles('org/hostile', HOSTILE_SHA))
    expect(error.message).toMatch(/hostile file listing/)
    expect(error.message).toContain('"sub/.."')
  })
})

describe('readText', () => {
  it('reads a small file at a commit', async () => {
    const { sha } = await client().getModelInfo('org/model')
    expect(JSON.parse(await client().readText('org/model', sha, 'config.json', 1024))).toEqual({ model_type: 'llama', hidden_size: 64 })
  })

  it('refuses files larger than maxBytes', async () => {
    await expect(client().readText('org/model', 'main', 'config.json', 10)).rejects.toThrow(/larger than 10 bytes/)
  })

  it('names the file when it does not exist', async () => {
    const error = await failure(client().readText('org/model', 'main', 'nope.json', 1024))
    expect(error.message).toMatch(/nope\.json does not exist in org\/model@main.*EntryNotFound/)
  })
})

describe('rangeSource', () => {
  it('reads byte ranges through the LFS redirect, then straight from the CDN', async () => {
    const source = client({ token: TOKEN, range: { minChunkBytes: 0 } }).rangeSource('org/model', 'main', 'model.safetensors', weights.byteLength)
    expect(await source.read(0, 8)).toEqual(weights.subarray(0, 8))
    expect(await source.read(100, 50)).toEqual(weights.subarray(100, 150))
    expect(hub.requests.map(({ server, path, range, auth }) => ({ server, path: path.replace(/\?.*/, ''), range, auth }))).toEqual([
      { server: 'hub', path: '/org/model/resolve/main/model.safetensors', range: 'bytes=0-7', auth: true },
      // The CDN is another origin: the token must not follow the redirect.
      { server: 'cdn', path: `/cdn/${sha256Hex(weights)}`, range: 'bytes=0-7', auth: false },
      { server: 'cdn', path: `/cdn/${sha256Hex(weights)}`, range: 'bytes=100-149', auth: false },
    ])
  })

  it('returns fewer bytes only at the end of the file, and learns the size', async () => {
    const source = client({ range: { minChunkBytes: 0 } }).rangeSource('org/model', 'main', 'model.safetensors')
    expect(source.size).toBeUndefined()
    expect(await source.read(4990, 100)).toEqual(weights.subarray(4990))
    expect(source.size).toBe(weights.byteLength)
    expect(await source.read(5000, 10)).toEqual(new Uint8Array(0))
    expect(await source.read(7000, 10)).toEqual(new Uint8Array(0))
  })

  it('reads ahead so small sequential reads share requests', async () => {
    const source = client({ range: { minChunkBytes: 1024 } }).rangeSource('org/model', 'main', 'model.safetensors', weights.byteLength)
    for (let offset = 0; offset < 3000; offset += 100) expect(await source.read(offset, 100)).toEqual(weights.subarray(offset, offset + 100))
    expect(hub.requests.filter((r) => r.server === 'cdn').map((r) => r.range)).toEqual(['bytes=0-1023', 'bytes=1024-3071'])
  })

  it('slices a 200 reply when something strips the Range header', async () => {
    const stripRange: typeof fetch = (input, init) => {
      const headers = new Headers(init?.headers)
      headers.delete('range')
      return fetch(input, { ...init, headers })
    }
    const source = client({ fetch: stripRange, range: { minChunkBytes: 0 } }).rangeSource('org/model', 'main', 'model.safetensors')
    expect(await source.read(10, 5)).toEqual(weights.subarray(10, 15))
    expect(source.size).toBe(weights.byteLength)
  })

  it('retries a reply whose body does not match its Content-Range', async () => {
    hub.addFault({ match: { path: /^\/cdn\// }, kind: 'long-body' })
    hub.addFault({ match: { path: /^\/cdn\// }, kind: 'short-body' })
    const source = client({ range: { minChunkBytes: 0 } }).rangeSource('org/model', 'main', 'model.safetensors')
    expect(await source.read(0, 64)).toEqual(weights.subarray(0, 64))
    expect(sleeps).toHaveLength(2)
  })

  it('retries a connection dropped mid-body and a stalled one', async () => {
    hub.addFault({ match: { path: /^\/cdn\// }, kind: 'drop', afterBytes: 10 })
    hub.addFault({ match: { path: /^\/cdn\// }, kind: 'stall', afterBytes: 10, ms: 5_000 })
    const source = client({ timeoutMs: 50, range: { minChunkBytes: 0 } }).rangeSource('org/model', 'main', 'model.safetensors')
    expect(await source.read(0, 64)).toEqual(weights.subarray(0, 64))
    expect(sleeps).toHaveLength(2)
  })
})

describe('retries and rate limits', () => {
  it('waits as long as Retry-After says on a 429, then succeeds', async () => {
    hub.addFault({ match: { path: '/api/models/org/model' }, kind: 'status', status: 429, headers: { 'retry-after': '7' } })
    expect((await client().getModelInfo('org/model')).siblings).toContain('config.json')
    expect(sleeps).toEqual([7_000])
  })

  it("honours the Hub's RateLimit header and an HTTP-date Retry-After", async () => {
    const now = Date.parse('2026-09-01T12:00:00Z')
    hub.addFault({ match: { path: '/api/models/org/model' }, kind: 'status', status: 429, headers: { ratelimit: '"api";r=0;t=3' } })
    hub.addFault({ match: { path: '/api/models/org/model' }, kind: 'status', status: 503, headers: { 'retry-after': 'Tue, 01 Sep 2026 12:00:05 GMT' } })
    await client({ now: () => now }).getModelInfo('org/model')
    expect(sleeps).toEqual([3_000, 5_000])
  })

  it('fails at once when the rate limit resets too far in the future', async () => {
    hub.addFault({ match: { path: '/api/models/org/model' }, kind: 'status', status: 429, headers: { ratelimit: '"api";r=0;t=240' } })
    const error = await failure(client().getModelInfo('org/model'))
    expect(error.message).toMatch(/wait 240 s/)
    expect(error.hint).toMatch(/HF_TOKEN/)
    expect(sleeps).toEqual([])
  })

  it('retries 500s with growing backoff', async () => {
    hub.addFault({ match: { path: '/api/models/org/model' }, kind: 'status', status: 500, times: 2 })
    await client().getModelInfo('org/model')
    expect(sleeps).toEqual([375, 750])
  })

  it('gives up after the retries and names the repo', async () => {
    hub.addFault({ match: { path: '/api/models/org/model' }, kind: 'status', status: 502, times: Infinity })
    const error = await failure(client().getModelInfo('org/model'))
    expect(error.message).toMatch(/org\/model.*4 attempts/)
    expect(hub.requests).toHaveLength(4)
  })

  it('does not retry a 404', async () => {
    await failure(client().getModelInfo('org/missing'))
    expect(hub.requests).toHaveLength(1)
  })

  it('rejects a redirect loop', async () => {
    hub.addFault({ match: { path: '/api/models/org/model' }, kind: 'redirect-loop' })
    const error = await failure(client().getModelInfo('org/model'))
    expect(error.message).toMatch(/redirected org\/model in a loop/)
    expect(hub.requests.map((r) => r.path)).toEqual(['/api/models/org/model', '/__loop/a', '/__loop/b'])
  })

  it('reports an unreachable Hub', async () => {
    const port = await freePort()
    const error = await failure(client({ endpoint: `http://127.0.0.1:${port}`, retries: 1 }).getModelInfo('org/model'))
    expect(error.message).toMatch(new RegExp(`Cannot reach 127\\.0\\.0\\.1:${port} while fetching org/model \\(ECONNREFUSED, 2 attempts\\)`))
    expect(error.hint).toMatch(/HF_HUB_OFFLINE=1/)
  })
})

describe('gated and private repos', () => {
  it('shows gating in the info, which stays public', async () => {
    expect((await client().getModelInfo('org/gated')).gated).toBe('manual')
  })

  it('asks for a token (401) and names the repo and where to request access', async () => {
    const error = await failure(client().readText('org/gated', 'main', 'config.json', 1024))
    expect(error).toMatchObject({ status: 401, errorCode: 'GatedRepo' })
    expect(error.message).toContain('org/gated')
    expect(error.message).toContain('GatedRepo')
    expect(error.hint).toContain(`Visit ${hub.url}/org/gated to request access and set HF_TOKEN`)
  })

  it('says the token lacks access (403) without ever printing it', async () => {
    const other = 'hf_someoneelsestoken'
    const error = await failure(client({ token: other }).readText('org/gated', 'main', 'config.json', 1024))
    expect(error).toMatchObject({ status: 403, errorCode: 'GatedRepo' })
    expect(error.message).toMatch(/not been granted access to the gated model org\/gated/)
    expect(`${error.message} ${error.hint ?? ''} ${error.stack ?? ''}`).not.toContain(other)
  })

  it('reads with the granted token', async () => {
    expect(await client({ token: TOKEN }).readText('org/gated', 'main', 'config.json', 1024)).toBe(config)
  })

  it('hides private repos from anonymous callers as RepoNotFound', async () => {
    const error = await failure(client().getModelInfo('org/private'))
    expect(error).toMatchObject({ status: 401, errorCode: 'RepoNotFound' })
    expect(error.message).toContain('org/private')
    expect(error.hint).toMatch(/set HF_TOKEN/)
    expect((await client({ token: TOKEN }).getModelInfo('org/private')).siblings).toEqual(['config.json'])
  })

  it('never lets the token reach any message', async () => {
    const token = 'hf_leakcheck_token_value'
    const errors = await Promise.all([
      failure(client({ token }).getModelInfo('org/missing')),
      failure(client({ token }).getModelInfo('org/private')),
      failure(client({ token }).readText('org/gated', 'main', 'config.json', 1024)),
      failure(client({ token }).readText('org/model', 'main', 'nope', 1024)),
    ])
    for (const error of errors) expect(JSON.stringify({ m: error.message, h: error.hint, s: error.stack })).not.toContain(token)
  })
})

async function freePort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  await new Promise<void>((resolve) => server.close(() => resolve()))
  if (address === null || typeof address === 'string') throw new Error('no port')
  return address.port
}
