import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { gitBlobSha1, lfsPointer, sha256Hex } from './hub-repo.ts'
import { type TestHub, type TestRepo, startTestHub } from './hub-server.ts'

const TOKEN = 'hf_granted'
const weights = Uint8Array.from({ length: 300 }, (_, i) => i % 256)
const readme = '# hello\n'
const SHA1 = '1'.repeat(40)

const repos: TestRepo[] = [
  {
    id: 'org/model',
    commits: [
      { sha: SHA1, files: [{ path: 'README.md', content: 'old' }], refs: ['refs/tags/v1', 'refs/pr/1'] },
      {
        files: [
          { path: 'README.md', content: readme },
          { path: 'model.gguf', content: weights },
          { path: 'big.txt', content: 'x'.repeat(11 * 1024) },
          { path: 'a/b/c.json', content: '{}' },
        ],
      },
    ],
  },
  { id: 'org/gated', gated: 'auto', commits: [{ files: [{ path: 'README.md', content: readme }] }] },
  { id: 'org/private', private: true, commits: [{ files: [{ path: 'README.md', content: readme }] }] },
]

let hub: TestHub

beforeAll(async () => {
  hub = await startTestHub({ repos, token: TOKEN, pageSize: 2 })
})
afterAll(async () => {
  await hub.close()
})

const get = (path: string, headers: Record<string, string> = {}, method = 'GET'): Promise<Response> => fetch(`${hub.url}${path}`, { method, headers, redirect: 'manual' })

async function json(response: Response): Promise<unknown> {
  return JSON.parse(await response.text())
}

describe('model info', () => {
  it('resolves main and lists siblings; blobs=true adds sizes and LFS sha256', async () => {
    const plain = (await json(await get('/api/models/org/model'))) as { sha: string; siblings: unknown[]; gated: unknown }
    expect(plain.sha).toMatch(/^[0-9a-f]{40}$/)
    expect(plain.gated).toBe(false)
    expect(plain.siblings).toContainEqual({ rfilename: 'model.gguf' })
    const blobs = (await json(await get('/api/models/org/model?blobs=true'))) as { siblings: unknown[] }
    expect(blobs.siblings).toContainEqual({
      rfilename: 'model.gguf',
      size: 300,
      blobId: gitBlobSha1(lfsPointer(sha256Hex(weights), 300)),
      lfs: { sha256: sha256Hex(weights), size: 300, pointerSize: lfsPointer(sha256Hex(weights), 300).byteLength },
    })
    expect(blobs.siblings).toContainEqual({ rfilename: 'README.md', size: readme.length, blobId: gitBlobSha1(new TextEncoder().encode(readme)) })
  })

  it('resolves tags, encoded branch names and full shas; unknown revisions are RevisionNotFound', async () => {
    for (const rev of ['v1', encodeURIComponent('refs/pr/1'), SHA1]) {
      expect(((await json(await get(`/api/models/org/model/revision/${rev}`))) as { sha: string }).sha).toBe(SHA1)
    }
    const missing = await get('/api/models/org/model/revision/nope')
    expect(missing.status).toBe(404)
    expect(missing.headers.get('x-error-code')).toBe('RevisionNotFound')
    const noRepo = await get('/api/models/org/none')
    expect([noRepo.status, noRepo.headers.get('x-error-code')]).toEqual([404, 'RepoNotFound'])
  })

  it('lists refs', async () => {
    const refs = (await json(await get('/api/models/org/model/refs'))) as { branches: { name: string; ref: string; targetCommit: string }[]; tags: { name: string }[] }
    expect(refs.tags).toEqual([{ name: 'v1', ref: 'refs/tags/v1', targetCommit: SHA1 }])
    expect(refs.branches.map((b) => b.name).sort()).toEqual(['main', 'refs/pr/1'])
  })
})

describe('tree and paths-info', () => {
  it('paginates with Link: rel="next" and includes directories', async () => {
    const paths: string[] = []
    let next: string | undefined = `${hub.url}/api/models/org/model/tree/main?recursive=true`
    let pages = 0
    while (next !== undefined) {
      const response: Response = await fetch(next)
      paths.push(...((await json(response)) as { path: string }[]).map((e) => e.path))
      next = /<([^>]+)>; rel="next"/.exec(response.headers.get('link') ?? '')?.[1]
      pages++
    }
    expect(pages).toBe(3)
    expect(paths).toEqual(['README.md', 'a', 'a/b', 'a/b/c.json', 'big.txt', 'model.gguf'].sort())
  })

  it('lists one level without recursive, and a sub-path', async () => {
    const top = await fetch(`${hub.url}/api/models/org/model/tree/main/a?recursive=false`)
    expect(await json(top)).toEqual([{ type: 'directory', oid: expect.stringMatching(/^[0-9a-f]{40}$/), size: 0, path: 'a/b' }])
    expect((await get('/api/models/org/model/tree/main/zzz')).headers.get('x-error-code')).toBe('EntryNotFound')
  })

  it('answers paths-info for files and directories, skipping unknown paths', async () => {
    const response = await fetch(`${hub.url}/api/models/org/model/paths-info/main`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ paths: ['model.gguf', 'a', 'missing'], expand: false }),
    })
    expect(await json(response)).toEqual([
      { type: 'file', path: 'model.gguf', size: 300, oid: gitBlobSha1(lfsPointer(sha256Hex(weights), 300)), lfs: { oid: sha256Hex(weights), size: 300, pointerSize: expect.any(Number) } },
      { type: 'directory', path: 'a', size: 0, oid: expect.any(String) },
    ])
  })
})

describe('resolve', () => {
  it('serves regular files with the git blob sha1 as ETag, and Range', async () => {
    const full = await get('/org/model/resolve/main/README.md')
    expect(full.status).toBe(200)
    expect(full.headers.get('etag')).toBe(`"${gitBlobSha1(new TextEncoder().encode(readme))}"`)
    expect(full.headers.get('x-repo-commit')).toMatch(/^[0-9a-f]{40}$/)
    expect(full.headers.get('accept-ranges')).toBe('bytes')
    expect(await full.text()).toBe(readme)

    const part = await get('/org/model/resolve/main/README.md', { range: 'bytes=2-4' })
    expect([part.status, part.headers.get('content-range'), await part.text()]).toEqual([206, `bytes 2-4/${readme.length}`, 'hel'])
    const tail = await get('/org/model/resolve/main/README.md', { range: 'bytes=4-' })
    expect(await tail.text()).toBe('llo\n')
    const suffix = await get('/org/model/resolve/main/README.md', { range: 'bytes=-3' })
    expect(await suffix.text()).toBe('lo\n')
    const beyond = await get('/org/model/resolve/main/README.md', { range: 'bytes=100-200' })
    expect([beyond.status, beyond.headers.get('content-range')]).toEqual([416, `bytes */${readme.length}`])
  })

  it('redirects LFS files (by extension or size) to the CDN with X-Linked-Etag = sha256', async () => {
    for (const [path, content] of [
      ['model.gguf', weights],
      ['big.txt', new TextEncoder().encode('x'.repeat(11 * 1024))],
    ] as const) {
      const head = await get(`/org/model/resolve/main/${path}`, {}, 'HEAD')
      expect(head.status).toBe(302)
      expect(head.headers.get('x-linked-etag')).toBe(`"${sha256Hex(content)}"`)
      expect(head.headers.get('x-linked-size')).toBe(String(content.byteLength))
      expect(head.headers.get('etag')).toBe(`"${gitBlobSha1(lfsPointer(sha256Hex(content), content.byteLength))}"`)
      const location = head.headers.get('location') ?? ''
      expect(location.startsWith(`${hub.cdnUrl}/cdn/${sha256Hex(content)}`)).toBe(true)
      const cdn = await fetch(location, { headers: { range: 'bytes=0-9' } })
      expect([cdn.status, cdn.headers.get('etag'), cdn.headers.get('content-range')]).toEqual([206, `"${sha256Hex(content)}"`, `bytes 0-9/${content.byteLength}`])
      expect(new Uint8Array(await cdn.arrayBuffer())).toEqual(content.subarray(0, 10))
    }
  })

  it('answers EntryNotFound for a missing file', async () => {
    const response = await get('/org/model/resolve/main/nope.bin')
    expect([response.status, response.headers.get('x-error-code')]).toEqual([404, 'EntryNotFound'])
  })

  it('gates file contents: 401 without a token, 403 with an ungranted one, 200 with the granted one', async () => {
    const anonymous = await get('/org/gated/resolve/main/README.md')
    expect([anonymous.status, anonymous.headers.get('x-error-code')]).toEqual([401, 'GatedRepo'])
    expect(anonymous.headers.get('x-error-message')).toMatch(/restricted/)
    const other = await get('/org/gated/resolve/main/README.md', { authorization: 'Bearer hf_other' })
    expect([other.status, other.headers.get('x-error-code')]).toEqual([403, 'GatedRepo'])
    expect((await get('/org/gated/resolve/main/README.md', { authorization: `Bearer ${TOKEN}` })).status).toBe(200)
    expect((await get('/api/models/org/gated')).status).toBe(200)
  })

  it('hides private repos as 401 RepoNotFound', async () => {
    for (const path of ['/api/models/org/private', '/org/private/resolve/main/README.md']) {
      const response = await get(path, { authorization: 'Bearer hf_other' })
      expect([response.status, response.headers.get('x-error-code')]).toEqual([401, 'RepoNotFound'])
      expect((await get(path, { authorization: `Bearer ${TOKEN}` })).status).toBe(200)
    }
  })
})

describe('faults and bookkeeping', () => {
  it('records requests, with Range and whether Authorization was sent', async () => {
    hub.requests.length = 0
    await get('/org/model/resolve/main/README.md', { range: 'bytes=0-0', authorization: 'Bearer x' })
    expect(hub.requests).toEqual([{ method: 'GET', path: '/org/model/resolve/main/README.md', range: 'bytes=0-0', auth: true, server: 'hub' }])
  })

  it('applies a fault `times` times, then serves normally', async () => {
    hub.addFault({ match: { path: /README/, method: 'GET' }, kind: 'status', status: 503, times: 2, headers: { 'retry-after': '1' } })
    const statuses = []
    for (let i = 0; i < 3; i++) statuses.push((await get('/org/model/resolve/main/README.md')).status)
    expect(statuses).toEqual([503, 503, 200])
  })

  it('corrupts bytes, shortens and lengthens bodies', async () => {
    const path = '/org/model/resolve/main/README.md'
    hub.addFault({ match: { path }, kind: 'wrong-bytes' })
    expect(new Uint8Array(await (await get(path)).arrayBuffer())).toEqual(new TextEncoder().encode(readme).map((b) => b ^ 0xff))
    hub.addFault({ match: { path }, kind: 'short-body' })
    expect(await (await get(path)).text()).toBe(readme.slice(0, 4))
    hub.addFault({ match: { path }, kind: 'long-body' })
    expect((await (await get(path)).text()).length).toBe(readme.length + 16)
  })

  it('drops a connection mid-body', async () => {
    hub.addFault({ match: { path: '/org/model/resolve/main/README.md' }, kind: 'drop', afterBytes: 2 })
    const response = await get('/org/model/resolve/main/README.md')
    await expect(response.text()).rejects.toThrow()
  })

  it('redirects in a loop', async () => {
    hub.addFault({ match: { path: '/api/models/org/model' }, kind: 'redirect-loop' })
    const first = await get('/api/models/org/model')
    expect(first.headers.get('location')).toBe('/__loop/a')
    expect((await get('/__loop/a')).headers.get('location')).toBe('/__loop/b')
    expect((await get('/__loop/b')).headers.get('location')).toBe('/__loop/a')
  })

  it('replaces its repos with setRepos', async () => {
    hub.setRepos([{ id: 'new/repo', commits: [{ files: [{ path: 'x', content: 'y' }] }] }])
    try {
      expect((await get('/api/models/new/repo')).status).toBe(200)
      expect((await get('/api/models/org/model')).status).toBe(404)
    } finally {
      hub.setRepos(repos)
    }
  })
})

describe('same-origin CDN', () => {
  it('redirects LFS files to a relative /cdn/ path on the Hub itself', async () => {
    const local = await startTestHub({ repos, cdn: 'same-origin' })
    try {
      const response = await fetch(`${local.url}/org/model/resolve/main/model.gguf`, { redirect: 'manual' })
      expect(response.headers.get('location')).toMatch(/^\/cdn\/[0-9a-f]{64}\?/)
      expect(local.cdnUrl).toBe(local.url)
      const followed = await fetch(`${local.url}/org/model/resolve/main/model.gguf`)
      expect(new Uint8Array(await followed.arrayBuffer())).toEqual(weights)
    } finally {
      await local.close()
    }
  })
})
