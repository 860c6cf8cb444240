import { type FileBytes, type StoredCommit, type StoredFile, type StoredRepo, SparseBytes, directoriesOf, resolveRevision, sha1Hex } from './hub-repo.ts'

/** The Hub's endpoints as pure functions from a parsed request to a reply; `hub-server.ts` does the HTTP. */

export interface Reply {
  status: number
  headers: Record<string, string>
  body?: Uint8Array
}

export interface HubRequest {
  method: string
  url: URL
  /** Raw (still percent-encoded) path segments, so an encoded `/` in a revision stays inside its segment. */
  segments: string[]
  /** The bearer token sent, if any. */
  token: string | undefined
  range: string | undefined
  body: string
}

export interface HubState {
  repos: ReadonlyMap<string, StoredRepo>
  /** Every LFS blob by sha256, served by the CDN. */
  blobs: ReadonlyMap<string, FileBytes>
  token: string | undefined
  pageSize: number
  /** Absolute base of this Hub, for `Link` headers. */
  hubUrl: string
  /** Prefix of CDN URLs in `Location`: another origin, or '' for a relative redirect to this server. */
  cdnBase: string
}

const encoder = new TextEncoder()

export function json(status: number, value: unknown, headers: Record<string, string> = {}): Reply {
  return { status, headers: { 'content-type': 'application/json; charset=utf-8', ...headers }, body: encoder.encode(JSON.stringify(value)) }
}

/** An error as the Hub sends it: status, `X-Error-Code`, `X-Error-Message` and a JSON `{error}` body. */
export function hubError(status: number, code: string | undefined, message: string, headers: Record<string, string> = {}): Reply {
  return json(status, { error: message }, { ...(code === undefined ? {} : { 'x-error-code': code }), 'x-error-message': message, ...headers })
}

function decode(segment: string): string {
  return decodeURIComponent(segment)
}

export function route(req: HubRequest, state: HubState): Reply {
  const s = req.segments.map(decode)
  if (s[0] === 'api' && s[1] === 'models' && s.length >= 4) return apiRoute(req, state, `${s[2]}/${s[3]}`, req.segments.slice(4))
  if (s.length >= 5 && s[2] === 'resolve') {
    if (req.method !== 'GET' && req.method !== 'HEAD') return hubError(405, undefined, 'Method not allowed')
    return resolveRoute(req, state, `${s[0]}/${s[1]}`, s[3] ?? '', s.slice(4).join('/'))
  }
  return hubError(404, undefined, 'Not found')
}

/** Private repos hide from anyone without the right token; the Hub answers 401 RepoNotFound, not 403. */
function findRepo(req: HubRequest, state: HubState, id: string): StoredRepo | Reply {
  const repo = state.repos.get(id)
  if (repo === undefined) return hubError(404, 'RepoNotFound', 'Repository not found')
  if (repo.private && (state.token === undefined || req.token !== state.token)) return hubError(401, 'RepoNotFound', 'Repository not found')
  return repo
}

function findCommit(repo: StoredRepo, revision: string): StoredCommit | Reply {
  return resolveRevision(repo, revision) ?? hubError(404, 'RevisionNotFound', `Invalid rev id: ${revision}`)
}

function isReply(value: unknown): value is Reply {
  return typeof value === 'object' && value !== null && 'status' in value && 'headers' in value
}

function apiRoute(req: HubRequest, state: HubState, id: string, rawRest: string[]): Reply {
  const repo = findRepo(req, state, id)
  if (isReply(repo)) return repo
  const [kind, rawRev, ...rawPath] = rawRest
  const rev = rawRev === undefined ? 'main' : decode(rawRev)
  const path = rawPath.map(decode).join('/')
  const allow = (method: string): Reply | undefined => (req.method === method ? undefined : hubError(405, undefined, 'Method not allowed'))
  if (kind === 'refs' && rawRev === undefined) return allow('GET') ?? refs(repo)
  const commit = kind === undefined ? defaultCommit(repo) : findCommit(repo, rev)
  if (isReply(commit)) return commit
  if (kind === undefined || (kind === 'revision' && rawPath.length === 0)) return allow('GET') ?? modelInfo(req, repo, commit)
  if (kind === 'tree') return allow('GET') ?? tree(req, state, commit, path)
  if (kind === 'paths-info' && rawPath.length === 0) return allow('POST') ?? pathsInfo(req, commit)
  return hubError(404, undefined, 'Not found')
}

/** `/api/models/{repo}` without a revision shows `main`, or the last commit if there is no `main`. */
function defaultCommit(repo: StoredRepo): StoredCommit | Reply {
  return resolveRevision(repo, 'main') ?? repo.commits.at(-1) ?? hubError(404, 'RevisionNotFound', 'Empty repository')
}

function modelInfo(req: HubRequest, repo: StoredRepo, commit: StoredCommit): Reply {
  const blobs = req.url.searchParams.get('blobs') === 'true'
  const siblings = sortedFiles(commit).map((f) =>
    blobs
      ? { rfilename: f.path, size: f.content.byteLength, blobId: f.oid, ...(f.lfs === undefined ? {} : { lfs: { sha256: f.sha256, size: f.content.byteLength, pointerSize: f.lfs.pointerSize } }) }
      : { rfilename: f.path },
  )
  return json(200, { _id: sha1Hex(repo.id).slice(0, 24), id: repo.id, modelId: repo.id, sha: commit.sha, private: repo.private, gated: repo.gated, disabled: false, siblings })
}

function sortedFiles(commit: StoredCommit): StoredFile[] {
  return [...commit.files.values()].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))
}

type TreeEntry = Record<string, unknown> & { path: string }

function fileEntry(f: StoredFile, commit: StoredCommit, expand: boolean): TreeEntry {
  return {
    type: 'file',
    oid: f.oid,
    size: f.content.byteLength,
    path: f.path,
    ...(f.lfs === undefined ? {} : { lfs: { oid: f.sha256, size: f.content.byteLength, pointerSize: f.lfs.pointerSize } }),
    ...(expand ? { lastCommit: { id: commit.sha, title: 'test commit', date: '2026-01-01T00:00:00.000Z' } } : {}),
  }
}

function dirEntry(path: string): TreeEntry {
  return { type: 'directory', oid: sha1Hex(`tree ${path}`), size: 0, path }
}

function tree(req: HubRequest, state: HubState, commit: StoredCommit, prefix: string): Reply {
  const recursive = req.url.searchParams.get('recursive') === 'true'
  const expand = req.url.searchParams.get('expand') === 'true'
  const dirs = directoriesOf(commit)
  if (prefix !== '' && !dirs.includes(prefix)) return hubError(404, 'EntryNotFound', `${prefix} does not exist on "${commit.sha}"`)
  const under = (path: string): boolean => {
    const rest = prefix === '' ? path : path.startsWith(`${prefix}/`) ? path.slice(prefix.length + 1) : undefined
    return rest !== undefined && (recursive || !rest.includes('/'))
  }
  const entries: TreeEntry[] = [
    ...dirs.filter(under).map(dirEntry),
    ...sortedFiles(commit)
      .filter((f) => under(f.path))
      .map((f) => fileEntry(f, commit, expand)),
  ].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))

  const cursor = req.url.searchParams.get('cursor')
  const start = cursor === null ? 0 : Number(Buffer.from(cursor, 'base64url').toString('utf8'))
  if (!Number.isSafeInteger(start) || start < 0) return hubError(400, undefined, 'Invalid cursor')
  const end = start + state.pageSize
  const headers: Record<string, string> = {}
  if (end < entries.length) {
    const next = new URL(req.url.pathname, state.hubUrl)
    for (const [key, value] of req.url.searchParams) if (key !== 'cursor') next.searchParams.append(key, value)
    next.searchParams.set('cursor', Buffer.from(String(end)).toString('base64url'))
    headers.link = `<${next.href}>; rel="next"`
  }
  return json(200, entries.slice(start, end), headers)
}

function pathsInfo(req: HubRequest, commit: StoredCommit): Reply {
  let paths: unknown
  let expand: unknown
  try {
    ;({ paths, expand } = JSON.parse(req.body) as { paths?: unknown; expand?: unknown })
  } catch {
    return hubError(400, undefined, 'Body must be JSON: {"paths": [...], "expand": false}')
  }
  if (!Array.isArray(paths) || !paths.every((p): p is string => typeof p === 'string')) return hubError(400, undefined, '"paths" must be a list of strings')
  const dirs = new Set(directoriesOf(commit))
  // Like the Hub, unknown paths are silently left out.
  const entries = paths.flatMap((p): TreeEntry[] => {
    const file = commit.files.get(p)
    if (file !== undefined) return [fileEntry(file, commit, expand === true)]
    return dirs.has(p) ? [dirEntry(p)] : []
  })
  return json(200, entries)
}

function refs(repo: StoredRepo): Reply {
  const list = (refs: ReadonlyMap<string, string>, kind: string) => [...refs].map(([name, targetCommit]) => ({ name, ref: `refs/${kind}/${name}`, targetCommit }))
  return json(200, { branches: list(repo.branches, 'heads'), tags: list(repo.tags, 'tags'), converts: [] })
}

function resolveRoute(req: HubRequest, state: HubState, id: string, rev: string, path: string): Reply {
  const repo = findRepo(req, state, id)
  if (isReply(repo)) return repo
  // Gating applies to file contents only: info and listings of a gated repo stay public, as on the Hub.
  if (repo.gated !== false && (state.token === undefined || req.token !== state.token)) {
    return req.token === undefined
      ? hubError(401, 'GatedRepo', `Access to model ${repo.id} is restricted. You must have access to it and be authenticated to access it. Please log in.`)
      : hubError(403, 'GatedRepo', `Access to model ${repo.id} is restricted and you are not in the authorized list. Visit ${state.hubUrl}/${repo.id} to ask for access.`)
  }
  const commit = findCommit(repo, rev)
  if (isReply(commit)) return commit
  const file = commit.files.get(path)
  const repoCommit = { 'x-repo-commit': commit.sha }
  if (file === undefined) return hubError(404, 'EntryNotFound', `${path} does not exist on "${rev}"`, repoCommit)
  if (file.lfs !== undefined) {
    const location = `${state.cdnBase}/cdn/${file.sha256}?repo=${encodeURIComponent(repo.id)}&file=${encodeURIComponent(path)}`
    const body = encoder.encode(`Found. Redirecting to ${location}`)
    return {
      status: 302,
      headers: {
        location,
        ...repoCommit,
        'x-linked-etag': `"${file.sha256}"`,
        'x-linked-size': String(file.content.byteLength),
        // The redirect's own ETag names the pointer blob; clients must prefer X-Linked-Etag.
        etag: `"${file.oid}"`,
        'content-type': 'text/plain; charset=utf-8',
      },
      body,
    }
  }
  return fileReply(req, file.content, { ...repoCommit, etag: `"${file.oid}"` })
}

/** A CDN hop: serves an LFS blob by sha256 and ignores Authorization, like a signed CDN URL. */
export function cdnRoute(req: HubRequest, state: HubState, sha256: string): Reply {
  if (req.method !== 'GET' && req.method !== 'HEAD') return { status: 405, headers: {} }
  const content = state.blobs.get(sha256)
  if (content === undefined) return { status: 404, headers: { 'content-type': 'text/plain' }, body: encoder.encode('NoSuchKey') }
  return fileReply(req, content, { etag: `"${sha256}"` })
}

/** 200 with the whole file, 206 for a satisfiable `Range`, 416 otherwise. */
export function fileReply(req: HubRequest, content: FileBytes, extra: Record<string, string>): Reply {
  const size = content.byteLength
  const base = { ...extra, 'accept-ranges': 'bytes', 'content-type': 'application/octet-stream' }
  const range = parseRange(req.range, size)
  if (range === 'unsatisfiable') return { status: 416, headers: { ...base, 'content-range': `bytes */${size}` } }
  if (range === undefined) {
    if (content instanceof SparseBytes) return { status: 501, headers: { 'content-type': 'text/plain' }, body: encoder.encode('sparse test files serve ranges only') }
    return { status: 200, headers: base, body: content }
  }
  return { status: 206, headers: { ...base, 'content-range': `bytes ${range.first}-${range.last}/${size}` }, body: content.subarray(range.first, range.last + 1) }
}

/** One `bytes=a-b`, `bytes=a-` or `bytes=-n` range; anything else is ignored (a full 200), as RFC 9110 allows. */
export function parseRange(header: string | undefined, size: number): { first: number; last: number } | 'unsatisfiable' | undefined {
  if (header === undefined) return undefined
  const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim())
  if (match === null || (match[1] === '' && match[2] === '')) return undefined
  if (match[1] === '') {
    const suffix = Number(match[2])
    if (suffix === 0 || size === 0) return 'unsatisfiable'
    return { first: Math.max(0, size - suffix), last: size - 1 }
  }
  const first = Number(match[1])
  const last = match[2] === '' ? size - 1 : Math.min(Number(match[2]), size - 1)
  if (match[2] !== '' && Number(match[2]) < first) return undefined
  if (first >= size) return 'unsatisfiable'
  return { first, last }
}
