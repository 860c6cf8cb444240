import { createHash } from 'node:crypto'

/** The in-memory model behind the test Hub: repos, commits, refs, and the hashes the real Hub derives from them. */

export interface TestRepoFile {
  path: string
  content: Uint8Array | string | SparseBytes
}

/**
 * A large weight file the test Hub serves without holding it: the real header bytes, then zeros up to `byteLength`.
 * Range reads work (what `fleet plan` does); a whole-file download is refused, and its sha256 is a stand-in (a hash
 * of the head and the size), so such repos can be planned, not pulled.
 */
export class SparseBytes {
  static readonly MAX_READ = 64 * 2 ** 20
  constructor(
    readonly head: Uint8Array,
    readonly byteLength: number,
  ) {}

  subarray(start: number, end: number = this.byteLength): Uint8Array {
    const last = Math.min(end, this.byteLength)
    if (last - start > SparseBytes.MAX_READ) throw new RangeError(`a sparse test file serves at most ${SparseBytes.MAX_READ} bytes per read`)
    const out = new Uint8Array(Math.max(0, last - start))
    if (start < this.head.length) out.set(this.head.subarray(start, Math.min(last, this.head.length)))
    return out
  }
}

/** What a stored file's bytes are: in memory, or a sparse stand-in for a large weight file. */
export type FileBytes = Uint8Array | SparseBytes

export interface TestRepoCommit {
  /** Default: a deterministic sha1 of the commit's position, parent and files. */
  sha?: string
  files: TestRepoFile[]
  /**
   * Branch names pointing here; `refs/tags/<name>` makes a tag, `refs/heads/<name>` a branch.
   * Default: `['main']` on the last commit (unless another commit already claims `main`).
   */
  refs?: string[]
}

export interface TestRepo {
  id: string
  commits: TestRepoCommit[]
  gated?: 'auto' | 'manual'
  private?: boolean
}

export interface StoredFile {
  path: string
  content: FileBytes
  /** Git blob sha1: of the content for regular files, of the LFS pointer for LFS files (what the tree's `oid` shows). */
  oid: string
  sha256: string
  lfs?: { pointerSize: number }
}

export interface StoredCommit {
  sha: string
  files: ReadonlyMap<string, StoredFile>
}

export interface StoredRepo {
  id: string
  gated: false | 'auto' | 'manual'
  private: boolean
  commits: readonly StoredCommit[]
  branches: ReadonlyMap<string, string>
  tags: ReadonlyMap<string, string>
}

const LFS_EXTENSIONS = ['.safetensors', '.gguf', '.bin']
const LFS_THRESHOLD = 10 * 1024

/** Which files the Hub stores through LFS/Xet here: weights by extension, and anything over 10 KiB. */
export function isLfs(path: string, size: number): boolean {
  return size > LFS_THRESHOLD || LFS_EXTENSIONS.some((ext) => path.endsWith(ext))
}

export function sha1Hex(data: Uint8Array | string): string {
  return createHash('sha1').update(data).digest('hex')
}

export function sha256Hex(data: Uint8Array | string): string {
  return createHash('sha256').update(data).digest('hex')
}

/** Git's object id for a blob: sha1 of `blob <len>\0<content>`. This is the Hub's ETag for regular files. */
export function gitBlobSha1(content: Uint8Array): string {
  return createHash('sha1').update(`blob ${content.byteLength}\0`).update(content).digest('hex')
}

/** The Git LFS pointer file committed in place of a large file. */
export function lfsPointer(sha256: string, size: number): Uint8Array {
  return new TextEncoder().encode(`version https://git-lfs.github.com/spec/v1\noid sha256:${sha256}\nsize ${size}\n`)
}

export function storeFile(file: TestRepoFile): StoredFile {
  if (file.content instanceof SparseBytes) {
    const sha256 = createHash('sha256').update(file.content.head).update(`sparse ${file.content.byteLength}`).digest('hex')
    const pointer = lfsPointer(sha256, file.content.byteLength)
    return { path: file.path, content: file.content, oid: gitBlobSha1(pointer), sha256, lfs: { pointerSize: pointer.byteLength } }
  }
  const content = typeof file.content === 'string' ? new TextEncoder().encode(file.content) : file.content
  const sha256 = sha256Hex(content)
  if (!isLfs(file.path, content.byteLength)) return { path: file.path, content, oid: gitBlobSha1(content), sha256 }
  const pointer = lfsPointer(sha256, content.byteLength)
  return { path: file.path, content, oid: gitBlobSha1(pointer), sha256, lfs: { pointerSize: pointer.byteLength } }
}

export function buildRepo(repo: TestRepo): StoredRepo {
  const commits: StoredCommit[] = []
  const branches = new Map<string, string>()
  const tags = new Map<string, string>()
  const mainClaimed = repo.commits.some((c) => c.refs?.some((r) => r === 'main' || r === 'refs/heads/main') === true)
  repo.commits.forEach((commit, index) => {
    const files = new Map(commit.files.map((f) => [f.path, storeFile(f)] as const))
    const parent = commits.at(-1)?.sha ?? ''
    const listing = [...files.values()]
      .map((f) => `${f.path} ${f.oid}`)
      .sort()
      .join('\n')
    const sha = commit.sha ?? sha1Hex(`commit ${index}\nparent ${parent}\n${listing}`)
    if (!/^[0-9a-f]{40}$/.test(sha)) throw new Error(`test repo ${repo.id}: commit sha "${sha}" is not 40 lowercase hex`)
    commits.push({ sha, files })
    const isLast = index === repo.commits.length - 1
    for (const ref of commit.refs ?? (isLast && !mainClaimed ? ['main'] : [])) {
      if (ref.startsWith('refs/tags/')) tags.set(ref.slice('refs/tags/'.length), sha)
      else branches.set(ref.replace(/^refs\/heads\//, ''), sha)
    }
  })
  return { id: repo.id, gated: repo.gated ?? false, private: repo.private ?? false, commits, branches, tags }
}

/** A branch, a tag or a full 40-hex sha of a commit of this repo, as the Hub accepts. */
export function resolveRevision(repo: StoredRepo, revision: string): StoredCommit | undefined {
  const target = repo.branches.get(revision) ?? repo.tags.get(revision) ?? (/^[0-9a-f]{40}$/.test(revision) ? revision : undefined)
  return repo.commits.find((c) => c.sha === target)
}

/** Directories implied by a commit's file paths (the Hub lists them in trees). */
export function directoriesOf(commit: StoredCommit): string[] {
  const dirs = new Set<string>()
  for (const path of commit.files.keys()) {
    const parts = path.split('/')
    for (let i = 1; i < parts.length; i++) dirs.add(parts.slice(0, i).join('/'))
  }
  return [...dirs]
}
