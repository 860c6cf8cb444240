/**
 * A file large enough to be fetched in ordered pieces and hashed while it downloads (≥ HASH_WHILE_WRITING_BYTES):
 * it lands with the right bytes, and wrong bytes in one piece are still caught by the hash, retried, and converged.
 */
import { createHash } from 'node:crypto'
import { readFileSync, realpathSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { HASH_WHILE_WRITING_BYTES } from '../../src/pull/fetch-blob.ts'
import { pullModel } from '../../src/pull/download.ts'
import { startTestHub, type TestHub } from '../support/hub-server.ts'
import { collect, fastClient, lockedFiles, noise, tempDir } from './helpers.ts'

const REPO = 'test-org/Large'
const weights = noise(HASH_WHILE_WRITING_BYTES + 3 * 2 ** 20 + 17, 11)
const sha256 = createHash('sha256').update(weights).digest('hex')

describe('a large file, hashed while it downloads', () => {
  let hub: TestHub
  beforeAll(async () => {
    hub = await startTestHub({
      repos: [
        {
          id: REPO,
          commits: [
            {
              files: [
                { path: 'config.json', content: '{}' },
                { path: 'model.safetensors', content: weights },
              ],
            },
          ],
        },
      ],
    })
  })
  afterAll(async () => hub.close())

  it('arrives whole and verified', async () => {
    const client = fastClient(hub)
    const { commit, files } = await lockedFiles(client, REPO)
    const cacheDir = tempDir()
    const result = await pullModel({ repo: REPO, commit, revision: null, files }, { hub: client, cacheDir, segmentThresholdBytes: 8 * 2 ** 20, minSegmentBytes: 2 * 2 ** 20 })
    expect(result.ok).toBe(true)
    const path = realpathSync(join(result.snapshot, 'model.safetensors'))
    expect(path.endsWith(`/blobs/${sha256}`)).toBe(true)
    expect(createHash('sha256').update(readFileSync(path)).digest('hex')).toBe(sha256)
    // Several ranged requests: it really was fetched in pieces.
    expect(hub.requests.filter((r) => r.range !== undefined && r.path.startsWith('/cdn/')).length).toBeGreaterThan(2)
  })

  it('catches wrong bytes in one piece, retries, and converges', async () => {
    const client = fastClient(hub)
    const { commit, files } = await lockedFiles(client, REPO)
    hub.addFault({ match: { path: /^\/cdn\// }, kind: 'wrong-bytes', times: 1 })
    const cacheDir = tempDir()
    const { events, onEvent } = collect()
    const result = await pullModel({ repo: REPO, commit, revision: null, files }, { hub: client, cacheDir, onEvent, segmentThresholdBytes: 8 * 2 ** 20, minSegmentBytes: 2 * 2 ** 20 })
    expect(result.ok).toBe(true)
    expect(events.some((e) => e.type === 'retry' && e.path === 'model.safetensors')).toBe(true)
    expect(
      createHash('sha256')
        .update(readFileSync(realpathSync(join(result.snapshot, 'model.safetensors'))))
        .digest('hex'),
    ).toBe(sha256)
  })
})
