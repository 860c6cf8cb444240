/**
 * `pullModel`: puts one model's files (as pinned in fleet.lock) into the Hugging Face cache, verified, with the
 * snapshot symlinks and the ref that engines use to find them. Per blob: skip it when it is already complete; else
 * take the cross-process lock, resume or start the partial, check size and hash, rename it into place.
 */
import { rename, stat, unlink } from 'node:fs/promises'
import { join } from 'node:path'
import { UserError } from '../errors.ts'
import { systemErrorHint } from '../util/system-errors.ts'
import type { HubClient } from '../hub/client.ts'
import { redact } from '../hub/hub-errors.ts'
import { type WeightFile, blobName } from '../resolve/facts.ts'
import { type RepoCache, blobPath, blobState, incompletePath, linkSnapshot, lockPath, lstatOrUndefined, openRepoCache, sidecarPath, writeRef } from './cache.ts'
import { type FreeBytes, checkFreeSpace, missingBytes } from './disk.ts'
import type { PullEvent } from './events.ts'
import { type FetchTuning, fetchBlob } from './fetch-blob.ts'
import { acquireLock } from './lock.ts'
import { checkBlobName, checkCommit, checkRelativePath } from './paths.ts'
import { forEachLimit } from './pool.ts'
import { expectedHash, hashFile } from './verify.ts'

export interface PullRequest {
  readonly repo: string
  /** The 40-hex commit the files were listed at (fleet.lock `facts.commit`). */
  readonly commit: string
  /** The revision as requested (branch or tag); null means the default branch, `main`. */
  readonly revision: string | null
  readonly files: readonly WeightFile[]
  /** The fleet.yaml model name, for events and messages. */
  readonly model?: string
}

export interface PullOptions extends Partial<FetchTuning> {
  /** Null when offline: what is cached is linked, anything missing fails with `offlineReason`. */
  readonly hub: HubClient | null
  /** Why there is no Hub (e.g. `--offline`), for the message naming a missing file. */
  readonly offlineReason?: string
  /** The hub cache root (`…/huggingface/hub`). */
  readonly cacheDir: string
  readonly onEvent?: (event: PullEvent) => void
  readonly signal?: AbortSignal
  /** Re-hash blobs that are already complete instead of trusting their size (default false). */
  readonly verify?: boolean
  /** Files downloaded at once (default 4). */
  readonly concurrency?: number
  /** How long to wait for another process's lock while it shows no progress (default 120 s). */
  readonly lockWaitMs?: number
  readonly lockPollMs?: number
  /** Injectable for tests; defaults to statfs. */
  readonly freeBytes?: FreeBytes
  /** The Hub token, only to scrub it from any message (the client never puts it there; this is a second belt). */
  readonly token?: string
}

export interface FileOutcome {
  readonly path: string
  readonly status: 'downloaded' | 'cached' | 'failed'
  readonly bytes: number
  readonly error?: UserError
}

export interface PullResult {
  readonly repo: string
  readonly commit: string
  /** `<cache>/models--org--name/snapshots/<commit>`: the directory engines load. */
  readonly snapshot: string
  readonly files: readonly FileOutcome[]
  readonly ok: boolean
  readonly downloadedBytes: number
}

const DEFAULT_TUNING: FetchTuning = {
  segmentThresholdBytes: 64 * 2 ** 20,
  maxSegments: 8,
  minSegmentBytes: 8 * 2 ** 20,
  maxSegmentBytes: 16 * 2 ** 20,
  stallMs: 30_000,
  sidecarIntervalMs: 500,
  progressIntervalMs: 250,
}

interface Blob {
  readonly etag: string
  readonly size: number
  /** Every path with this content (identical files share one blob). */
  readonly files: readonly WeightFile[]
}

export async function pullModel(request: PullRequest, options: PullOptions): Promise<PullResult> {
  const { repo } = request
  const commit = checkCommit(request.commit, repo)
  const revision = request.revision ?? 'main'
  // Everything that becomes a path is checked before the first directory is created.
  checkRelativePath(revision, 'the revision')
  const blobs = groupByBlob(request.files)
  const cache = await openRepoCache(options.cacheDir, repo)
  const snapshot = join(cache.dir, 'snapshots', commit)
  // Offline nothing is downloaded, so there is no space to check.
  if (options.hub !== null) await checkFreeSpace(cache.root, await missingBytes(request.files, cache.root, repo), request.model ?? repo, options.freeBytes)

  const tuning: FetchTuning = { ...DEFAULT_TUNING, ...definedOnly(options) }
  const outcomes: FileOutcome[] = []
  let downloadedBytes = 0
  await forEachLimit(blobs, options.concurrency ?? 4, async (blob) => {
    try {
      const got = await pullBlob(cache, commit, blob, request, options, tuning)
      downloadedBytes += got.downloaded
      blob.files.forEach((f, i) => outcomes.push({ path: f.path, status: i === 0 ? got.status : 'cached', bytes: f.bytes }))
    } catch (error) {
      if (options.signal?.aborted === true) throw error
      const failure = asUserError(error, blob.files[0]?.path ?? '?', repo, options.token)
      for (const f of blob.files) {
        outcomes.push({ path: f.path, status: 'failed', bytes: f.bytes, error: failure })
        options.onEvent?.({ type: 'failed', model: request.model, repo, path: f.path, message: failure.message, hint: failure.hint })
      }
    }
  })
  const ok = outcomes.every((o) => o.status !== 'failed')
  // The ref goes last: an offline engine that follows refs/main must find a complete snapshot.
  if (ok) await writeRef(cache, revision, commit)
  const order = new Map(request.files.map((f, i) => [f.path, i]))
  outcomes.sort((a, b) => (order.get(a.path) ?? 0) - (order.get(b.path) ?? 0))
  return { repo, commit, snapshot, files: outcomes, ok, downloadedBytes }
}

function groupByBlob(files: readonly WeightFile[]): Blob[] {
  const byEtag = new Map<string, { etag: string; size: number; files: WeightFile[] }>()
  for (const file of files) {
    checkRelativePath(file.path, 'the file path')
    if (!Number.isSafeInteger(file.bytes) || file.bytes < 0)
      throw new UserError(`${file.path}: size ${file.bytes} in fleet.lock is not a byte count`, { hint: 'Run fleet plan to pin the model again.' })
    const etag = checkBlobName(blobName(file), file.path)
    const group = byEtag.get(etag)
    if (group === undefined) byEtag.set(etag, { etag, size: file.bytes, files: [file] })
    else if (group.size !== file.bytes) throw new UserError(`${file.path} and ${group.files[0]?.path} share blob ${etag} but differ in size`, { hint: 'Run fleet plan to pin the model again.' })
    else group.files.push(file)
  }
  return [...byEtag.values()]
}

interface BlobOutcome {
  readonly status: 'downloaded' | 'cached'
  /** Bytes this run fetched (less than the size after a resume). */
  readonly downloaded: number
}

async function pullBlob(cache: RepoCache, commit: string, blob: Blob, request: PullRequest, options: PullOptions, tuning: FetchTuning): Promise<BlobOutcome> {
  const first = blob.files[0] as WeightFile
  const base = { model: request.model, repo: request.repo }
  const emit = (event: PullEvent): void => options.onEvent?.(event)
  const linkAll = async (): Promise<void> => {
    for (const f of blob.files) await linkSnapshot(cache, commit, f.path, blob.etag)
  }
  const skipped = async (reason: 'cached' | 'downloaded by another process'): Promise<BlobOutcome> => {
    await linkAll()
    for (const f of blob.files) emit({ ...base, type: 'skipped', path: f.path, bytes: f.bytes, reason })
    return { status: 'cached', downloaded: 0 }
  }

  // The cheap path, without a lock: a blob whose name is its hash is trusted when its size is right.
  if (options.verify !== true && (await blobState(cache, blob.etag, blob.size)).kind === 'complete') return skipped('cached')

  let waited = false
  const lock = await acquireLock(lockPath(cache, blob.etag), {
    what: `${first.path} (${request.repo})`,
    progress: () => progressSignature(cache, blob.etag),
    onWait: (owner) => {
      waited = true
      emit({ ...base, type: 'waiting', path: first.path, holder: `pid ${owner.pid} on ${owner.host}` })
    },
    ...(options.lockWaitMs === undefined ? {} : { noProgressMs: options.lockWaitMs }),
    ...(options.lockPollMs === undefined ? {} : { pollMs: options.lockPollMs }),
    ...(options.signal === undefined ? {} : { signal: options.signal }),
  })
  try {
    const expected = expectedHash(first)
    const target = blobPath(cache, blob.etag)
    const state = await blobState(cache, blob.etag, blob.size)
    if (state.kind === 'complete') {
      if (options.verify !== true || (await hashFile(target, expected.kind, blob.size)) === expected.hex) return skipped(waited ? 'downloaded by another process' : 'cached')
      emit({ ...base, type: 'retry', path: first.path, reason: `the cached blob does not match its ${expected.kind}; downloading it again`, delayMs: 0 })
    }
    // A blob of the wrong size (or hash) is not what its name promises: it goes before anything is downloaded.
    if (state.kind !== 'absent') await unlink(target)

    if (options.hub === null) {
      throw new UserError(`${first.path} of ${request.repo} is not in the cache, and fleet is offline${options.offlineReason === undefined ? '' : ` (${options.offlineReason})`}`, {
        hint: 'Run fleet pull with network access (without --offline and HF_HUB_OFFLINE).',
      })
    }
    const stream = options.hub.fileStream(request.repo, commit, first.path, blob.size)
    const started = Date.now()
    let downloaded = 0
    for (let attempt = 1; ; attempt++) {
      const fetched = await fetchBlob({
        stream,
        incomplete: incompletePath(cache, blob.etag),
        sidecar: sidecarPath(cache, blob.etag),
        etag: blob.etag,
        size: blob.size,
        tuning,
        ...(options.signal === undefined ? {} : { signal: options.signal }),
        onStart: (resumedBytes) => emit({ ...base, type: 'start', path: first.path, bytes: blob.size, resumedBytes }),
        onProgress: (bytes) => emit({ ...base, type: 'progress', path: first.path, bytes, total: blob.size }),
        onRetry: (event) => emit({ ...base, type: 'retry', path: first.path, reason: redact(event.reason, options.token), delayMs: event.delayMs }),
        hash: expected.kind,
      })
      downloaded += fetched.downloaded
      const incomplete = incompletePath(cache, blob.etag)
      // Large files were hashed while they were written (the same bytes, read back from the partial); others now.
      const actual = (await stat(incomplete)).size === blob.size ? (fetched.digest ?? (await hashFile(incomplete, expected.kind, blob.size))) : undefined
      if (actual === expected.hex) {
        await rename(incomplete, target)
        await unlink(sidecarPath(cache, blob.etag)).catch(() => {})
        break
      }
      // Wrong bytes: the partial is poison for any resume. Drop it, try once more from scratch, then give up.
      await unlink(incomplete).catch(() => {})
      await unlink(sidecarPath(cache, blob.etag)).catch(() => {})
      const mismatch = `its ${expected.kind === 'sha256' ? 'sha256' : 'git blob sha1'} is ${actual ?? '(wrong size)'}, expected ${expected.hex}`
      if (attempt >= 2) {
        throw new UserError(`${first.path} of ${request.repo}@${commit.slice(0, 12)} failed verification twice: ${mismatch}`, {
          hint: 'The server or a proxy in between is corrupting the file. If HF_ENDPOINT points at a mirror, check it; otherwise retry later.',
        })
      }
      emit({ ...base, type: 'retry', path: first.path, reason: `verification failed (${mismatch}); downloading again`, delayMs: 0 })
    }
    await linkAll()
    emit({ ...base, type: 'done', path: first.path, bytes: blob.size, downloadedBytes: downloaded, seconds: (Date.now() - started) / 1000 })
    for (const f of blob.files.slice(1)) emit({ ...base, type: 'skipped', path: f.path, bytes: f.bytes, reason: 'cached' })
    return { status: 'downloaded', downloaded }
  } finally {
    await lock.release()
  }
}

/** What changes while another process downloads this blob: the waiter's measure of progress. */
async function progressSignature(cache: RepoCache, etag: string): Promise<string> {
  const parts = await Promise.all([incompletePath(cache, etag), sidecarPath(cache, etag), blobPath(cache, etag)].map(lstatOrUndefined))
  return parts.map((p) => (p === undefined ? '-' : `${p.size}:${p.mtimeMs}`)).join('|')
}

function asUserError(error: unknown, path: string, repo: string, token: string | undefined): UserError {
  if (error instanceof UserError) {
    const message = redact(error.message, token)
    // Messages from the HTTP layer already name the file; others get it prefixed so every failure says which file.
    return new UserError(message.includes(path) ? message : `${path} (${repo}): ${message}`, { hint: error.hint === undefined ? undefined : redact(error.hint, token), cause: error })
  }
  // Only the operating system's failures are the user's to fix, each with its own hint; anything else is a bug in
  // fleet and goes up as it is, to be reported with its stack.
  const hint = systemErrorHint(error)
  if (hint === null) throw error
  const message = error instanceof Error ? error.message : String(error)
  return new UserError(`${path} (${repo}): ${redact(message, token)}`, { hint, cause: error })
}

function definedOnly(options: Partial<FetchTuning>): Partial<FetchTuning> {
  const out: Partial<Record<keyof FetchTuning, number>> = {}
  for (const key of Object.keys(DEFAULT_TUNING) as (keyof FetchTuning)[]) {
    const value = options[key]
    if (value !== undefined) out[key] = value
  }
  return out
}
