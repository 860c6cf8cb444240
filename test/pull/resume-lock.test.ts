/**
 * Resume and locking inside one machine: parallel ranged segments, a partial left by an interrupted pull picked up
 * where it stopped, two pulls of one model downloading each blob once, and stale or stuck locks.
 */
import { spawnSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs'
import { hostname } from 'node:os'
import { join } from 'node:path'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { pullModel } from '../../src/pull/download.ts'
import type { PullEvent } from '../../src/pull/events.ts'
import { missingBytes } from '../../src/pull/disk.ts'
import { type TestHub, startTestHub } from '../support/hub-server.ts'
import { collect, fastClient, lockedFiles, noise, tempDir } from './helpers.ts'

const REPO = 'test-org/Resumable'
const FOLDER = 'models--test-org--Resumable'
const weights = noise(400_000, 5)
const sha256 = createHash('sha256').update(weights).digest('hex')
const small = { segmentThresholdBytes: 64 * 1024, minSegmentBytes: 32 * 1024, maxSegments: 4 }

describe('resume and locks', () => {
  let hub: TestHub
  beforeAll(async () => {
    hub = await startTestHub({
      repos: [
        {
          id: REPO,
          commits: [
            {
              files: [
                { path: 'config.json', content: '{"a": 1}' },
                { path: 'model.safetensors', content: weights },
              ],
            },
          ],
        },
      ],
    })
  })
  afterAll(async () => hub.close())
  afterEach(() => {
    hub.clearFaults()
    hub.setThrottle(undefined)
    hub.requests.length = 0
  })

  const cdnGets = (): string[] => hub.requests.filter((r) => r.server === 'cdn' && r.method === 'GET').map((r) => r.range ?? '')

  it('a large file goes as parallel ranges through one resolve, written at their offsets', async () => {
    const client = fastClient(hub)
    const { commit, files } = await lockedFiles(client, REPO)
    hub.requests.length = 0
    const cacheDir = tempDir()
    const result = await pullModel({ repo: REPO, commit, revision: null, files }, { hub: client, cacheDir, ...small })
    expect(result.ok).toBe(true)
    expect(readFileSync(join(cacheDir, FOLDER, 'blobs', sha256)).equals(weights)).toBe(true)
    expect(cdnGets().sort()).toEqual(['bytes=0-99999', 'bytes=100000-199999', 'bytes=200000-299999', 'bytes=300000-399999'])
    // The resolve redirect is followed once; the other segments go straight to the CDN URL it revealed.
    expect(hub.requests.filter((r) => r.server === 'hub' && r.path.includes('/resolve/') && r.path.endsWith('model.safetensors'))).toHaveLength(1)
  })

  it('a segment that drops resumes alone; the others are not refetched', async () => {
    const client = fastClient(hub)
    const { commit, files } = await lockedFiles(client, REPO)
    hub.requests.length = 0
    hub.addFault({ match: { path: /^\/cdn\// }, kind: 'drop', afterBytes: 30_000 })
    const result = await pullModel({ repo: REPO, commit, revision: null, files }, { hub: client, cacheDir: tempDir(), ...small })
    expect(result.ok).toBe(true)
    const gets = cdnGets()
    // The four segments, plus one request for the rest of the segment that dropped (it starts past its first byte).
    expect(gets).toHaveLength(5)
    const resumed = gets.filter((r) => !['bytes=0-99999', 'bytes=100000-199999', 'bytes=200000-299999', 'bytes=300000-399999'].includes(r))
    expect(resumed).toHaveLength(1)
    const [, from, to] = /^bytes=(\d+)-(\d+)$/.exec(resumed[0]!) ?? []
    expect(Number(from) % 100_000).toBeGreaterThan(0)
    expect(Number(to) + 1 - Number(from)).toBeLessThan(100_000)
  })

  it('an interrupted pull leaves a partial and a sidecar; the next one resumes from them', async () => {
    const client = fastClient(hub)
    const { commit, files } = await lockedFiles(client, REPO)
    const cacheDir = tempDir()
    hub.setThrottle({ bytesPerSecond: 400_000, chunkBytes: 20_000, path: /file=model\.safetensors/ })
    const controller = new AbortController()
    const first = pullModel(
      { repo: REPO, commit, revision: null, files },
      {
        hub: client,
        cacheDir,
        signal: controller.signal,
        sidecarIntervalMs: 0,
        onEvent: (e) => {
          if (e.type === 'progress' && e.path === 'model.safetensors' && e.bytes >= 100_000) controller.abort(new Error('interrupted'))
        },
      },
    )
    await expect(first).rejects.toThrow('interrupted')
    const sidecar = JSON.parse(readFileSync(join(cacheDir, FOLDER, 'blobs', `${sha256}.incomplete.json`), 'utf8')) as { ranges: [number, number][]; size: number }
    expect(sidecar.size).toBe(weights.byteLength)
    const held = sidecar.ranges.reduce((s, [a, b]) => s + (b - a), 0)
    expect(held).toBeGreaterThanOrEqual(100_000)
    expect(await missingBytes(files, cacheDir, REPO)).toBe(weights.byteLength - held)

    hub.setThrottle(undefined)
    hub.requests.length = 0
    const { events, onEvent } = collect()
    const second = await pullModel({ repo: REPO, commit, revision: null, files }, { hub: client, cacheDir, onEvent })
    expect(second.ok).toBe(true)
    expect(events.find((e) => e.type === 'start' && e.path === 'model.safetensors')).toMatchObject({ resumedBytes: held })
    expect(cdnGets()).toEqual([`bytes=${held}-${weights.byteLength - 1}`])
    expect(readFileSync(join(cacheDir, FOLDER, 'blobs', sha256)).equals(weights)).toBe(true)
    expect(readdirSync(join(cacheDir, FOLDER, 'blobs')).filter((n) => n.includes('incomplete'))).toEqual([])
    expect(await missingBytes(files, cacheDir, REPO)).toBe(0)
  })

  it('two concurrent pulls of one model both succeed, and every blob is downloaded once', async () => {
    const client = fastClient(hub)
    const { commit, files } = await lockedFiles(client, REPO)
    const cacheDir = tempDir()
    hub.requests.length = 0
    hub.setThrottle({ bytesPerSecond: 2_000_000, chunkBytes: 50_000, path: /file=model\.safetensors/ })
    const a = collect()
    const b = collect()
    const [ra, rb] = await Promise.all([
      pullModel({ repo: REPO, commit, revision: null, files }, { hub: client, cacheDir, onEvent: a.onEvent, lockPollMs: 20 }),
      pullModel({ repo: REPO, commit, revision: null, files }, { hub: client, cacheDir, onEvent: b.onEvent, lockPollMs: 20 }),
    ])
    expect(ra.ok && rb.ok).toBe(true)
    expect(cdnGets()).toEqual([`bytes=0-${weights.byteLength - 1}`])
    expect(hub.requests.filter((r) => r.path.endsWith('/config.json') && r.method === 'GET')).toHaveLength(1)
    const waited = [...a.events, ...b.events].filter((e): e is Extract<PullEvent, { type: 'waiting' }> => e.type === 'waiting')
    expect(waited.length).toBeGreaterThan(0)
    expect([...a.events, ...b.events].some((e) => e.type === 'skipped' && e.reason === 'downloaded by another process')).toBe(true)
    expect(readdirSync(join(cacheDir, '.locks', FOLDER))).toEqual([])
  })

  it('a lock left by a dead process is stale and taken over', async () => {
    const client = fastClient(hub)
    const { commit, files } = await lockedFiles(client, REPO)
    const cacheDir = tempDir()
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' })
    const pid = Number(dead.stdout)
    await pullModel({ repo: REPO, commit, revision: null, files: [] }, { hub: client, cacheDir })
    const lock = join(cacheDir, '.locks', FOLDER, `${sha256}.lock`)
    writeFileSync(lock, JSON.stringify({ pid, host: hostname(), token: 'old', since: '2026-01-01T00:00:00Z' }))
    const result = await pullModel({ repo: REPO, commit, revision: null, files }, { hub: client, cacheDir })
    expect(result.ok).toBe(true)
    expect(existsSync(lock)).toBe(false)
  })

  it('a live owner that makes no progress: the wait is bounded and the message names the lock file', async () => {
    const client = fastClient(hub)
    const { commit, files } = await lockedFiles(client, REPO)
    const cacheDir = tempDir()
    await pullModel({ repo: REPO, commit, revision: null, files: [] }, { hub: client, cacheDir })
    const lock = join(cacheDir, '.locks', FOLDER, `${sha256}.lock`)
    writeFileSync(lock, JSON.stringify({ pid: process.ppid, host: hostname(), token: 'parent', since: '2026-01-01T00:00:00Z' }))
    const result = await pullModel({ repo: REPO, commit, revision: null, files }, { hub: client, cacheDir, lockWaitMs: 150, lockPollMs: 20 })
    expect(result.ok).toBe(false)
    const failure = result.files.find((f) => f.path === 'model.safetensors')!.error!
    expect(failure.message).toMatch(new RegExp(`Another fleet process \\(pid ${process.ppid} on .*\\) is downloading model\\.safetensors \\(test-org/Resumable\\) but has made no progress`))
    expect(failure.hint).toContain(lock)
    expect(result.files.find((f) => f.path === 'config.json')?.status).toBe('downloaded')
    expect(readFileSync(lock, 'utf8')).toContain('parent')
  })
})
