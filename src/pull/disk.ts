/**
 * Pre-flight: the bytes still to download against the free space of the cache's volume, checked before the first
 * byte so a 40 GB pull fails in a second rather than at 97 %. Also what the planner's disk-space rule needs.
 */
import { statfs } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import type { WeightFile } from '../resolve/facts.ts'
import { blobName } from '../resolve/facts.ts'
import { UserError } from '../errors.ts'
import { codeOf, lstatOrUndefined } from './cache.ts'
import { checkBlobName, repoFolderName } from './paths.ts'
import { coveredBytes } from './ranges.ts'
import { readSidecar } from './sidecar.ts'

/** Free bytes for an unprivileged user on the volume holding `path` (or its nearest existing ancestor). */
export type FreeBytes = (path: string) => Promise<number>

export const freeBytes: FreeBytes = async (path) => {
  for (let dir = path; ; dir = dirname(dir)) {
    try {
      const fs = await statfs(dir)
      return fs.bavail * fs.bsize
    } catch (error) {
      if (codeOf(error) !== 'ENOENT' || dirname(dir) === dir) throw error
    }
  }
}

/**
 * Bytes still to download for `files` of `repo` into `cacheDir`: every file whose blob is not there at full size,
 * less what its partial download already holds. Read-only; a blob shared by several paths counts once.
 */
export async function missingBytes(files: readonly WeightFile[], cacheDir: string, repo: string): Promise<number> {
  const blobs = join(cacheDir, repoFolderName(repo), 'blobs')
  const seen = new Set<string>()
  let missing = 0
  for (const file of files) {
    const etag = checkBlobName(blobName(file), file.path)
    if (seen.has(etag)) continue
    seen.add(etag)
    const info = await lstatOrUndefined(join(blobs, etag))
    if (info?.isFile() === true && info.size === file.bytes) continue
    const ranges = await readSidecar(join(blobs, `${etag}.incomplete.json`), { etag, size: file.bytes })
    missing += file.bytes - (ranges === undefined ? 0 : coveredBytes(ranges))
  }
  return missing
}

/** A UserError when `needed` bytes do not fit on the volume of `cacheDir`. */
export async function checkFreeSpace(cacheDir: string, needed: number, what: string, free: FreeBytes = freeBytes): Promise<void> {
  if (needed <= 0) return
  const available = await free(cacheDir)
  if (needed > available) {
    throw new UserError(`${what} needs ${formatBytes(needed)} more in ${cacheDir}, but its volume has only ${formatBytes(available)} free`, {
      hint: "Free disk space, or download to a larger volume with --cache-dir (or the machine's hfCache, or HF_HUB_CACHE).",
    })
  }
}

export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB']
  let value = bytes
  let unit = 0
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024
    unit++
  }
  return unit === 0 ? `${bytes} B` : `${value.toFixed(1)} ${units[unit]}`
}
