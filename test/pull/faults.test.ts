/**
 * Convergence: after each fault the test Hub can inject, a pull still ends with the right bytes in the cache, having
 * retried (and resumed where bytes had arrived) rather than failed; wrong bytes are caught by the hash.
 */
import { createHash } from 'node:crypto'
import { existsSync, readFileSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { pullModel } from '../../src/pull/download.ts'
import type { PullEvent } from '../../src/pull/events.ts'
import type { FaultKind } from '../support/hub-faults.ts'
import { type Fault, type TestHub, startTestHub } from '../support/hub-server.ts'
import { collect, fastClient, lockedFiles, noise, tempDir } from './helpers.ts'

const REPO = 'test-org/Faulty'
const weights = noise(200_000, 3)
const sha256 = createHash('sha256').update(weights).digest('hex')
const config = '{"hidden_size": 8}'
const blobs = (cacheDir: string): string => join(cacheDir, 'models--test-org--Faulty', 'blobs')

describe('pull converges after injected faults', () => {
  let hub: TestHub
  beforeAll(async () => {
    hub = await startTestHub({
      repos: [
        {
          id: REPO,
          commits: [
            {
              files: [
                { path: 'config.json', content: config },
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
    hub.requests.length = 0
  })

  async function pullWith(fault: FaultKind & { times?: number }, match: RegExp = /^\/cdn\//): Promise<{ events: PullEvent[]; sleeps: number[]; cacheDir: string; ok: boolean }> {
    const sleeps: number[] = []
    const client = fastClient(hub, { sleeps })
    const { commit, files } = await lockedFiles(client, REPO)
    hub.requests.length = 0
    hub.addFault({ ...fault, match: { path: match } } as Fault)
    const cacheDir = tempDir()
    const { events, onEvent } = collect()
    const result = await pullModel({ repo: REPO, commit, revision: null, files }, { hub: client, cacheDir, onEvent, stallMs: 150 })
    return { events, sleeps, cacheDir, ok: result.ok }
  }

  const retries = (events: PullEvent[]): string[] => events.flatMap((e) => (e.type === 'retry' ? [`${e.path}: ${e.reason}`] : []))

  function expectConverged(cacheDir: string): void {
    expect(readFileSync(join(blobs(cacheDir), sha256)).equals(weights)).toBe(true)
    // No partial or sidecar left behind.
    expect(readdirSync(blobs(cacheDir)).filter((n) => n.includes('incomplete'))).toEqual([])
  }

  it('a connection dropped mid-body resumes from the bytes already written', async () => {
    const { events, cacheDir, ok } = await pullWith({ kind: 'drop', afterBytes: 60_000 })
    expect(ok).toBe(true)
    expectConverged(cacheDir)
    expect(retries(events).length).toBeGreaterThan(0)
    const ranges = hub.requests.filter((r) => r.server === 'cdn').map((r) => r.range)
    expect(ranges[0]).toBe('bytes=0-199999')
    // The retry asked only for what was missing.
    expect(Number(/^bytes=(\d+)-/.exec(ranges.at(-1) ?? '')?.[1])).toBeGreaterThan(0)
  })

  it('a stalled body trips the watchdog and is retried', async () => {
    const { events, cacheDir, ok } = await pullWith({ kind: 'stall', afterBytes: 1000, ms: 10_000 })
    expect(ok).toBe(true)
    expectConverged(cacheDir)
    expect(retries(events).join('\n')).toMatch(/timeout|resuming/)
  })

  it('HTTP 500 is retried with backoff', async () => {
    const { events, sleeps, cacheDir, ok } = await pullWith({ kind: 'status', status: 500 })
    expect(ok).toBe(true)
    expectConverged(cacheDir)
    expect(retries(events)).toContain('model.safetensors: HTTP 500')
    expect(sleeps.length).toBeGreaterThan(0)
  })

  it('HTTP 500 on a regular file (served by the Hub itself) is retried too', async () => {
    const { events, cacheDir, ok } = await pullWith({ kind: 'status', status: 500 }, /\/resolve\/[0-9a-f]{40}\/config\.json$/)
    expect(ok).toBe(true)
    expect(retries(events)).toContain('config.json: HTTP 500')
    const configBlob = readdirSync(blobs(cacheDir)).find((n) => n.length === 40)
    expect(readFileSync(join(blobs(cacheDir), configBlob!), 'utf8')).toBe(config)
  })

  it('429 waits as long as Retry-After says', async () => {
    const { events, sleeps, cacheDir, ok } = await pullWith({ kind: 'status', status: 429, headers: { 'retry-after': '2' } })
    expect(ok).toBe(true)
    expectConverged(cacheDir)
    expect(retries(events)).toContain('model.safetensors: HTTP 429')
    expect(sleeps).toContain(2000)
  })

  it('wrong bytes fail the hash: the partial is dropped and downloaded once more', async () => {
    const { events, cacheDir, ok } = await pullWith({ kind: 'wrong-bytes' })
    expect(ok).toBe(true)
    expectConverged(cacheDir)
    expect(retries(events).join('\n')).toMatch(/model\.safetensors: verification failed \(its sha256 is [0-9a-f]{64}, expected [0-9a-f]{64}\)/)
  })

  it('wrong bytes twice: the file fails by name and nothing is left in blobs/', async () => {
    const { events, cacheDir, ok } = await pullWith({ kind: 'wrong-bytes', times: 2 })
    expect(ok).toBe(false)
    const failed = events.find((e) => e.type === 'failed')
    expect(failed).toMatchObject({ path: 'model.safetensors' })
    expect(failed?.type === 'failed' && failed.message).toMatch(/^model\.safetensors of test-org\/Faulty@[0-9a-f]{12} failed verification twice/)
    expect(existsSync(join(blobs(cacheDir), sha256))).toBe(false)
    expect(readdirSync(blobs(cacheDir)).filter((n) => n.startsWith(sha256))).toEqual([])
    // refs/main is written only for a complete snapshot.
    expect(existsSync(join(cacheDir, 'models--test-org--Faulty', 'refs', 'main'))).toBe(false)
  })

  it('a body shorter than announced is an error for that attempt', async () => {
    const { events, cacheDir, ok } = await pullWith({ kind: 'short-body' })
    expect(ok).toBe(true)
    expectConverged(cacheDir)
    expect(retries(events).join('\n')).toMatch(/announced 100000 bytes for the 200000-byte range/)
  })

  it('a body longer than announced is an error for that attempt', async () => {
    const { events, cacheDir, ok } = await pullWith({ kind: 'long-body' })
    expect(ok).toBe(true)
    expectConverged(cacheDir)
    expect(retries(events).join('\n')).toMatch(/announced 200016 bytes for the 200000-byte range/)
  })

  it('a redirect loop fails with a message, not a hang', async () => {
    const { events, ok } = await pullWith({ kind: 'redirect-loop' }, /\/resolve\/[0-9a-f]{40}\/model\.safetensors$/)
    expect(ok).toBe(false)
    const failed = events.find((e) => e.type === 'failed')
    expect(failed?.type === 'failed' && failed.message).toMatch(/redirected model\.safetensors in test-org\/Faulty@[0-9a-f]{40} in a loop/)
  })
})
