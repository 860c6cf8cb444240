/**
 * Nothing a server, a fleet.lock or a pre-existing cache entry says can make a pull write outside
 * `<cache>/models--org--name/` (plus `.locks/` and CACHEDIR.TAG), and no message carries the token.
 */
import { existsSync, mkdirSync, readFileSync, readlinkSync, symlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { UserError } from '../../src/errors.ts'
import { pullModel } from '../../src/pull/download.ts'
import type { WeightFile } from '../../src/resolve/facts.ts'
import { type TestHub, startTestHub } from '../support/hub-server.ts'
import { collect, fastClient, lockedFiles, noise, tempDir, tree } from './helpers.ts'

const TOKEN = 'hf_granted_token_0123456789'
const WRONG = 'hf_not_granted_secret_987654'
const REPO = 'test-org/Plain'
const weights = noise(50_000, 11)

describe('pull safety', () => {
  let hub: TestHub
  beforeAll(async () => {
    hub = await startTestHub({
      token: TOKEN,
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
        { id: 'test-org/Gated', gated: 'manual', commits: [{ files: [{ path: 'model.safetensors', content: weights }] }] },
        {
          id: 'test-org/Hostile',
          commits: [
            {
              files: [
                { path: 'config.json', content: '{}' },
                { path: '../x', content: 'escape' },
              ],
            },
          ],
        },
      ],
    })
  })
  afterAll(async () => hub.close())

  async function files(repo = REPO): Promise<{ commit: string; files: WeightFile[] }> {
    return lockedFiles(fastClient(hub, { token: TOKEN }), repo)
  }

  it('gated without a token: 401, the message names the repo', async () => {
    const { commit, files: list } = await files('test-org/Gated')
    const { events, onEvent } = collect()
    const result = await pullModel({ repo: 'test-org/Gated', commit, revision: null, files: list }, { hub: fastClient(hub), cacheDir: tempDir(), onEvent })
    expect(result.ok).toBe(false)
    const error = result.files[0]!.error!
    expect(error.message).toMatch(/test-org\/Gated is a gated model: downloading model\.safetensors needs a Hugging Face token with access \[HTTP 401, GatedRepo\]/)
    expect(error.hint).toContain(`${hub.url}/test-org/Gated`)
    expect(events.at(-1)).toMatchObject({ type: 'failed', path: 'model.safetensors' })
  })

  it('gated with a token that is not granted: 403, names the repo, never shows the token', async () => {
    const { commit, files: list } = await files('test-org/Gated')
    const { events, onEvent } = collect()
    const result = await pullModel({ repo: 'test-org/Gated', commit, revision: null, files: list }, { hub: fastClient(hub, { token: WRONG }), cacheDir: tempDir(), onEvent, token: WRONG })
    const error = result.files[0]!.error!
    expect(error.message).toMatch(/Your Hugging Face token has not been granted access to the gated model test-org\/Gated \[HTTP 403, GatedRepo\]/)
    expect(JSON.stringify(events)).not.toContain(WRONG)
    expect(`${error.message} ${error.hint}`).not.toContain(WRONG)
    // The token went to the Hub only; the CDN never saw an Authorization header.
    expect(hub.requests.filter((r) => r.server === 'cdn' && r.auth === true)).toEqual([])
  })

  it('with the granted token the gated model downloads, and the token never reaches the CDN', async () => {
    const { commit, files: list } = await files('test-org/Gated')
    hub.requests.length = 0
    const result = await pullModel({ repo: 'test-org/Gated', commit, revision: null, files: list }, { hub: fastClient(hub, { token: TOKEN }), cacheDir: tempDir() })
    expect(result.ok).toBe(true)
    expect(hub.requests.find((r) => r.server === 'hub' && r.path.includes('/resolve/'))?.auth).toBe(true)
    expect(hub.requests.filter((r) => r.server === 'cdn').map((r) => r.auth)).toEqual([false])
  })

  it('a hostile listing ("../x") is refused by the client before anything is written', async () => {
    const client = fastClient(hub)
    const info = await client.getModelInfo('test-org/Hostile').catch((e: unknown) => e)
    expect(info).toBeInstanceOf(UserError)
    expect((info as Error).message).toMatch(/Refusing a hostile file listing .*"\.\.\/x"/)
  })

  it.each([['../x'], ['a/../../x'], ['/etc/passwd'], ['a\\..\\x'], ['']])('a lock entry with the path %j writes nothing at all', async (path) => {
    const parent = tempDir()
    const cacheDir = join(parent, 'hub')
    const { commit, files: list } = await files()
    const hostile: WeightFile = { path, bytes: 6, sha256: null, gitOid: 'a'.repeat(40) }
    const error = await pullModel({ repo: REPO, commit, revision: null, files: [...list, hostile] }, { hub: fastClient(hub), cacheDir }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(UserError)
    expect((error as Error).message).toMatch(/^Refusing the file path/)
    expect(tree(parent)).toEqual([])
  })

  it('a blob name that is not a hash, or a revision with "..", is refused before writing', async () => {
    const parent = tempDir()
    const { commit, files: list } = await files()
    const badBlob = list.map((f) => (f.path === 'config.json' ? { ...f, gitOid: '../../../escape' } : f))
    await expect(pullModel({ repo: REPO, commit, revision: null, files: badBlob }, { hub: fastClient(hub), cacheDir: join(parent, 'hub') })).rejects.toThrow(
      /is neither a 40-hex git oid nor a 64-hex sha256/,
    )
    await expect(pullModel({ repo: REPO, commit, revision: '../../x', files: list }, { hub: fastClient(hub), cacheDir: join(parent, 'hub') })).rejects.toThrow(/Refusing the revision/)
    await expect(pullModel({ repo: '../etc', commit, revision: null, files: list }, { hub: fastClient(hub), cacheDir: join(parent, 'hub') })).rejects.toThrow(/Invalid Hugging Face repo id/)
    expect(tree(parent)).toEqual([])
  })

  it('a pre-existing symlink in the cache pointing outside is refused, and nothing is written there', async () => {
    const outside = tempDir('fleet-outside-')
    const { commit, files: list } = await files()
    // blobs/ itself a link to another directory.
    const cacheDir = tempDir()
    mkdirSync(join(cacheDir, 'models--test-org--Plain'))
    symlinkSync(outside, join(cacheDir, 'models--test-org--Plain', 'blobs'))
    await expect(pullModel({ repo: REPO, commit, revision: null, files: list }, { hub: fastClient(hub), cacheDir })).rejects.toThrow(
      /Refusing to follow the symlink .*blobs inside the Hugging Face cache/,
    )
    expect(tree(outside)).toEqual([])

    // snapshots/<commit> a link outside: every file fails, none is written there.
    const second = tempDir()
    mkdirSync(join(second, 'models--test-org--Plain', 'snapshots'), { recursive: true })
    symlinkSync(outside, join(second, 'models--test-org--Plain', 'snapshots', commit))
    const result = await pullModel({ repo: REPO, commit, revision: null, files: list }, { hub: fastClient(hub), cacheDir: second })
    expect(result.ok).toBe(false)
    expect(result.files.map((f) => f.error?.message)).toEqual(list.map(() => expect.stringMatching(/Refusing to follow the symlink/)))
    expect(tree(outside)).toEqual([])

    // A blob that is a symlink to a file outside: refused, and the outside file is untouched.
    const third = tempDir()
    const sha = list.find((f) => f.path === 'model.safetensors')!.sha256!
    mkdirSync(join(third, 'models--test-org--Plain', 'blobs'), { recursive: true })
    writeFileSync(join(outside, 'victim'), 'keep me')
    symlinkSync(join(outside, 'victim'), join(third, 'models--test-org--Plain', 'blobs', sha))
    const blobResult = await pullModel({ repo: REPO, commit, revision: null, files: list }, { hub: fastClient(hub), cacheDir: third })
    expect(blobResult.files.find((f) => f.path === 'model.safetensors')?.error?.message).toMatch(/is a symlink, and fleet never follows links/)
    expect(readFileSync(join(outside, 'victim'), 'utf8')).toBe('keep me')
    expect(tree(outside)).toEqual(['victim'])
  })

  it('a wrong snapshot symlink is replaced by the right relative one', async () => {
    const outside = tempDir('fleet-outside-')
    writeFileSync(join(outside, 'evil'), 'not the model')
    const { commit, files: list } = await files()
    const cacheDir = tempDir()
    const snap = join(cacheDir, 'models--test-org--Plain', 'snapshots', commit)
    mkdirSync(snap, { recursive: true })
    symlinkSync(join(outside, 'evil'), join(snap, 'model.safetensors'))
    const result = await pullModel({ repo: REPO, commit, revision: null, files: list }, { hub: fastClient(hub), cacheDir })
    expect(result.ok).toBe(true)
    const sha = list.find((f) => f.path === 'model.safetensors')!.sha256!
    expect(readlinkSync(join(snap, 'model.safetensors'))).toBe(`../../blobs/${sha}`)
    expect(readFileSync(join(snap, 'model.safetensors')).equals(weights)).toBe(true)
    expect(readFileSync(join(outside, 'evil'), 'utf8')).toBe('not the model')
  })

  it('pre-flight: not enough free disk fails before the first byte', async () => {
    const { commit, files: list } = await files()
    const cacheDir = tempDir()
    hub.requests.length = 0
    const error = await pullModel({ repo: REPO, commit, revision: null, files: list, model: 'plain' }, { hub: fastClient(hub), cacheDir, freeBytes: async () => 1000 }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(UserError)
    expect((error as UserError).message).toMatch(/^plain needs 48\.8 KiB more in .* but its volume has only 1000 B free$/)
    expect((error as UserError).hint).toMatch(/--cache-dir/)
    expect(hub.requests).toEqual([])
    expect(existsSync(join(cacheDir, 'models--test-org--Plain', 'blobs')) && tree(join(cacheDir, 'models--test-org--Plain', 'blobs'))).toEqual([])
  })
})
