/**
 * The Hugging Face hub cache, exactly as huggingface_hub lays it out (protocols.md §2), so mlx-lm, transformers,
 * llama.cpp and `hf` find what fleet downloads:
 *
 *   <cache>/CACHEDIR.TAG
 *   <cache>/.locks/models--org--name/<etag>.lock
 *   <cache>/models--org--name/blobs/<etag>                    sha256 (LFS/Xet) or git sha1 (regular files)
 *   <cache>/models--org--name/refs/<revision>                 the commit, 40 hex, no newline
 *   <cache>/models--org--name/snapshots/<commit>/<path>       relative symlink to ../../blobs/<etag>
 *
 * fleet writes nowhere else. The cache root may itself be a symlink (a cache moved to another volume is common), but
 * inside it every directory fleet uses must be a real directory: a pre-existing symlink there could point anywhere,
 * so it is refused rather than followed, and `realpath` confirms each directory is where it should be.
 */
import { type Stats, constants } from 'node:fs'
import { lstat, mkdir, readlink, realpath, rename, symlink, unlink, writeFile, open } from 'node:fs/promises'
import { join } from 'node:path'
import { randomBytes } from 'node:crypto'
import { UserError } from '../errors.ts'
import { isCommitSha } from '../hub/repo-id.ts'
import { checkBlobName, checkCommit, checkRelativePath, repoFolderName, snapshotLinkTarget } from './paths.ts'

/** What huggingface_hub writes (`_create_cachedir_tag`), per https://bford.info/cachedir/ so backup tools skip it. */
export const CACHEDIR_TAG_CONTENT =
  'Signature: 8a477f597d28d172789f06886806bc55\n' +
  '# This file is a cache directory tag created by huggingface_hub.\n' +
  '# For information about cache directory tags, see:\n' +
  '#\thttps://bford.info/cachedir/\n'

export interface RepoCache {
  readonly repo: string
  /** The cache root after `realpath`. */
  readonly root: string
  /** `<root>/models--org--name` */
  readonly dir: string
  readonly blobs: string
  /** `<root>/.locks/models--org--name` */
  readonly locks: string
}

export const blobPath = (cache: RepoCache, etag: string): string => join(cache.blobs, checkBlobName(etag, 'a blob'))
/** huggingface_hub names its own partials `<etag>.<uuid8>.incomplete`; fleet's stay apart and carry a sidecar. */
export const incompletePath = (cache: RepoCache, etag: string): string => `${blobPath(cache, etag)}.incomplete`
export const sidecarPath = (cache: RepoCache, etag: string): string => `${incompletePath(cache, etag)}.json`
export const lockPath = (cache: RepoCache, etag: string): string => join(cache.locks, `${checkBlobName(etag, 'a blob')}.lock`)

/** Creates (or checks) the repo's folders under `cacheDir`, and CACHEDIR.TAG at the root. */
export async function openRepoCache(cacheDir: string, repo: string): Promise<RepoCache> {
  const folder = repoFolderName(repo)
  try {
    await mkdir(cacheDir, { recursive: true })
  } catch (error) {
    throw new UserError(`Cannot create the Hugging Face cache directory ${cacheDir} (${codeOf(error) ?? 'error'})`, {
      hint: "Check its permissions, or choose another with --cache-dir, HF_HUB_CACHE or the machine's hfCache.",
      cause: error,
    })
  }
  const root = await realpath(cacheDir)
  await writeCacheDirTag(root)
  const dir = await ensureDirs(root, [folder])
  const cache: RepoCache = { repo, root, dir, blobs: await ensureDirs(dir, ['blobs']), locks: await ensureDirs(root, ['.locks', folder]) }
  await ensureDirs(dir, ['snapshots'])
  // scanCacheDir (@huggingface/hub) requires refs/ even when nothing is pinned by name; Python creates it lazily.
  await ensureDirs(dir, ['refs'])
  return cache
}

/**
 * Walks down from `base` (already real) creating missing directories. A symlink or a non-directory on the way is an
 * error: following it could write outside the cache.
 */
export async function ensureDirs(base: string, segments: readonly string[]): Promise<string> {
  let current = base
  for (const segment of segments) {
    const next = join(current, segment)
    let info = await lstatOrUndefined(next)
    if (info === undefined) {
      try {
        await mkdir(next)
      } catch (error) {
        if (codeOf(error) !== 'EEXIST') throw error
      }
      info = await lstat(next)
    }
    if (info.isSymbolicLink()) {
      throw new UserError(`Refusing to follow the symlink ${next} inside the Hugging Face cache`, {
        hint: `fleet only writes into real directories under ${base}; remove the link (or point --cache-dir at its target).`,
      })
    }
    if (!info.isDirectory()) throw new UserError(`${next} in the Hugging Face cache should be a directory but is not`, { hint: 'Move it away and pull again.' })
    current = next
  }
  const real = await realpath(current)
  if (real !== current) throw new UserError(`${current} resolves to ${real}, outside where fleet expects it`, { hint: 'Remove the symlink in its path.' })
  return current
}

/** CACHEDIR.TAG, created once with O_EXCL: never overwritten, never written through a symlink. */
async function writeCacheDirTag(root: string): Promise<void> {
  try {
    await writeFile(join(root, 'CACHEDIR.TAG'), CACHEDIR_TAG_CONTENT, { flag: 'wx' })
  } catch (error) {
    // Already there (or a read-only cache): huggingface_hub ignores this too.
    if (codeOf(error) !== 'EEXIST' && codeOf(error) !== 'EACCES' && codeOf(error) !== 'EROFS') throw error
  }
}

export type BlobState = { kind: 'complete' } | { kind: 'absent' } | { kind: 'wrong-size'; bytes: number }

/** Whether `blobs/<etag>` holds a file of `size` bytes. A symlink there is an error, never followed. */
export async function blobState(cache: RepoCache, etag: string, size: number): Promise<BlobState> {
  const path = blobPath(cache, etag)
  const info = await lstatOrUndefined(path)
  if (info === undefined) return { kind: 'absent' }
  if (info.isSymbolicLink()) {
    throw new UserError(`Refusing the blob ${path}: it is a symlink, and fleet never follows links inside the cache`, {
      hint: 'Delete the link and pull again; blobs are regular files named by their hash.',
    })
  }
  if (!info.isFile()) throw new UserError(`The blob ${path} is not a regular file`, { hint: 'Move it away and pull again.' })
  return info.size === size ? { kind: 'complete' } : { kind: 'wrong-size', bytes: info.size }
}

/**
 * Points `snapshots/<commit>/<path>` at `blobs/<etag>` with a relative symlink. An existing link to the right blob is
 * left alone; a wrong link or a plain file (a copy written where symlinks failed) is replaced atomically.
 */
export async function linkSnapshot(cache: RepoCache, commit: string, path: string, etag: string): Promise<string> {
  checkCommit(commit, cache.repo)
  checkBlobName(etag, path)
  const segments = checkRelativePath(path, 'the file path')
  const dir = await ensureDirs(cache.dir, ['snapshots', commit, ...segments.slice(0, -1)])
  const link = join(dir, segments.at(-1) as string)
  const target = snapshotLinkTarget(path, etag)
  const info = await lstatOrUndefined(link)
  if (info?.isSymbolicLink() === true && (await readlink(link)) === target) return link
  if (info?.isDirectory() === true) throw new UserError(`${link} in the Hugging Face cache is a directory, where the file ${path} belongs`, { hint: 'Move it away and pull again.' })
  if (info === undefined) {
    try {
      await symlink(target, link)
      return link
    } catch (error) {
      if (codeOf(error) !== 'EEXIST') throw error
    }
  }
  // rename() replaces the old entry itself (never what a symlink points to), in one step for readers.
  const temp = `${link}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`
  await symlink(target, temp)
  try {
    await rename(temp, link)
  } catch (error) {
    await unlink(temp).catch(() => {})
    throw error
  }
  return link
}

/**
 * `refs/<revision>` = the commit (no newline), written atomically, when the model was asked for by branch or tag so
 * offline tools (HF_HUB_OFFLINE) can map the name to the snapshot. Nothing is written for a commit sha.
 */
export async function writeRef(cache: RepoCache, revision: string, commit: string): Promise<void> {
  checkCommit(commit, cache.repo)
  if (isCommitSha(revision) && revision === commit) return
  const segments = checkRelativePath(revision, 'the revision')
  const dir = await ensureDirs(cache.dir, ['refs', ...segments.slice(0, -1)])
  const ref = join(dir, segments.at(-1) as string)
  const info = await lstatOrUndefined(ref)
  if (info?.isDirectory() === true) throw new UserError(`${ref} is a directory, where the ref ${revision} belongs`, { hint: 'Move it away and pull again.' })
  if (info?.isFile() === true && (await readSmall(ref)) === commit) return
  const temp = `${ref}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`
  await writeFile(temp, commit, { flag: 'wx' })
  try {
    await rename(temp, ref)
  } catch (error) {
    await unlink(temp).catch(() => {})
    throw error
  }
}

async function readSmall(path: string): Promise<string | undefined> {
  const handle = await open(path, constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0)).catch(() => undefined)
  if (handle === undefined) return undefined
  try {
    const buffer = Buffer.alloc(128)
    const { bytesRead } = await handle.read(buffer, 0, buffer.byteLength, 0)
    return buffer.subarray(0, bytesRead).toString('utf8')
  } finally {
    await handle.close()
  }
}

export async function lstatOrUndefined(path: string): Promise<Stats | undefined> {
  try {
    return await lstat(path)
  } catch (error) {
    if (codeOf(error) === 'ENOENT') return undefined
    throw error
  }
}

export function codeOf(error: unknown): string | undefined {
  return typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'string' ? error.code : undefined
}
