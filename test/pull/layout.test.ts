/**
 * The cache fleet writes is the huggingface_hub cache, byte for byte: blobs named by hash holding the right bytes,
 * relative snapshot symlinks that resolve to them, refs/main, CACHEDIR.TAG, and nothing else. @huggingface/hub's
 * scanCacheDir (the Node port of `hf cache scan`) must read it back: other tools' conventions hold.
 */
import { createHash } from 'node:crypto'
import { readFileSync, readlinkSync, realpathSync } from 'node:fs'
import { join } from 'node:path'
import { scanCacheDir } from '@huggingface/hub'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CACHEDIR_TAG_CONTENT } from '../../src/pull/cache.ts'
import { pullModel } from '../../src/pull/download.ts'
import { gitBlobSha1 } from '../support/hub-repo.ts'
import { type TestHub, startTestHub } from '../support/hub-server.ts'
import { collect, fastClient, lockedFiles, noise, tempDir, tree } from './helpers.ts'

const REPO = 'test-org/Layout-4bit'
const weights = noise(300_000, 7)
const config = '{"model_type":"llama"}\n'
const nested = '{"chat_template":"{{ messages }}"}'

describe('pull writes the huggingface_hub cache layout', () => {
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
                { path: 'templates/chat/tokenizer_config.json', content: nested },
              ],
            },
          ],
        },
      ],
    })
  })
  afterAll(async () => hub.close())

  it('blobs by hash, relative symlinks, refs/main, CACHEDIR.TAG, and nothing else', async () => {
    const cacheDir = tempDir()
    const client = fastClient(hub)
    const { commit, files } = await lockedFiles(client, REPO)
    const { events, onEvent } = collect()
    const result = await pullModel({ repo: REPO, commit, revision: null, files, model: 'tiny' }, { hub: client, cacheDir, onEvent })
    expect(result.ok).toBe(true)
    expect(result.files.map((f) => [f.path, f.status])).toEqual(files.map((f) => [f.path, 'downloaded']))

    const sha256 = createHash('sha256').update(weights).digest('hex')
    const configOid = gitBlobSha1(new TextEncoder().encode(config))
    const nestedOid = gitBlobSha1(new TextEncoder().encode(nested))
    const folder = 'models--test-org--Layout-4bit'
    expect(tree(cacheDir)).toEqual(
      [
        '.locks/',
        `.locks/${folder}/`,
        'CACHEDIR.TAG',
        `${folder}/`,
        `${folder}/blobs/`,
        `${folder}/blobs/${configOid}`,
        `${folder}/blobs/${nestedOid}`,
        `${folder}/blobs/${sha256}`,
        `${folder}/refs/`,
        `${folder}/refs/main`,
        `${folder}/snapshots/`,
        `${folder}/snapshots/${commit}/`,
        `${folder}/snapshots/${commit}/config.json -> ../../blobs/${configOid}`,
        `${folder}/snapshots/${commit}/model.safetensors -> ../../blobs/${sha256}`,
        `${folder}/snapshots/${commit}/templates/`,
        `${folder}/snapshots/${commit}/templates/chat/`,
        `${folder}/snapshots/${commit}/templates/chat/tokenizer_config.json -> ../../../../blobs/${nestedOid}`,
      ].sort(),
    )
    const repoDir = join(cacheDir, folder)
    // Buffer.equals: vitest's deep equality walks a 300 kB buffer byte by byte, for most of a second.
    expect(readFileSync(join(repoDir, 'blobs', sha256)).equals(weights)).toBe(true)
    expect(readFileSync(join(repoDir, 'snapshots', commit, 'config.json'), 'utf8')).toBe(config)
    expect(readFileSync(join(repoDir, 'snapshots', commit, 'templates/chat/tokenizer_config.json'), 'utf8')).toBe(nested)
    expect(realpathSync(join(repoDir, 'snapshots', commit, 'model.safetensors'))).toBe(realpathSync(join(repoDir, 'blobs', sha256)))
    expect(readlinkSync(join(repoDir, 'snapshots', commit, 'model.safetensors'))).toBe(`../../blobs/${sha256}`)
    expect(readFileSync(join(repoDir, 'refs', 'main'), 'utf8')).toBe(commit)
    expect(readFileSync(join(cacheDir, 'CACHEDIR.TAG'), 'utf8')).toBe(CACHEDIR_TAG_CONTENT)
    expect(result.snapshot).toBe(join(realpathSync(cacheDir), folder, 'snapshots', commit))

    const types = events.map((e) => `${e.type} ${e.path}`)
    for (const f of files) {
      expect(types).toContain(`start ${f.path}`)
      expect(types).toContain(`done ${f.path}`)
    }

    const scan = await scanCacheDir(cacheDir)
    expect(scan.warnings).toEqual([])
    expect(scan.repos).toHaveLength(1)
    const [cached] = scan.repos
    expect(cached!.id).toEqual({ name: REPO, type: 'model' })
    // scanCacheDir does not descend into sub-directories of a snapshot (its limitation, not the layout's): it counts
    // the blobs of the top-level files.
    expect(cached!.filesCount).toBe(2)
    expect(cached!.size).toBe(weights.byteLength + config.length)
    expect(cached!.revisions.map((r) => [r.commitOid, r.refs])).toEqual([[commit, ['main']]])
    expect(cached!.revisions[0]!.files.map((f) => f.blob.path).sort()).toEqual([join(realpathSync(repoDir), 'blobs', configOid), join(realpathSync(repoDir), 'blobs', sha256)].sort())
  })

  it('a second pull downloads nothing', async () => {
    const cacheDir = tempDir()
    const client = fastClient(hub)
    const { commit, files } = await lockedFiles(client, REPO)
    await pullModel({ repo: REPO, commit, revision: null, files }, { hub: client, cacheDir })
    const before = tree(cacheDir)
    hub.requests.length = 0
    const { events, onEvent } = collect()
    const again = await pullModel({ repo: REPO, commit, revision: null, files }, { hub: client, cacheDir, onEvent })
    expect(again.ok).toBe(true)
    expect(again.downloadedBytes).toBe(0)
    expect(again.files.every((f) => f.status === 'cached')).toBe(true)
    expect(hub.requests).toEqual([])
    expect(events.map((e) => e.type)).toEqual(['skipped', 'skipped', 'skipped'])
    expect(tree(cacheDir)).toEqual(before)

    // verify: true re-hashes instead of trusting the size, and still downloads nothing when the blobs are right.
    const verified = await pullModel({ repo: REPO, commit, revision: null, files }, { hub: client, cacheDir, verify: true })
    expect(verified.files.every((f) => f.status === 'cached')).toBe(true)
    expect(hub.requests).toEqual([])
  })
})
