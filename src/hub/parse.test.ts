import { describe, expect, it } from 'vitest'
import { UserError } from '../errors.ts'
import { nextLink, parseModelInfo, parseTreePage, unsafeRepoPathReason } from './parse.ts'
import { validateRepoId } from './repo-id.ts'

const SHA = 'c'.repeat(40)
const OID = 'd'.repeat(40)

describe('Hub JSON parsing', () => {
  it.each([
    ['config.json', undefined],
    ['a/b/c.safetensors', undefined],
    ['', 'it is empty'],
    ['/etc/passwd', 'it is absolute'],
    ['a\\..\\b', 'it contains a backslash'],
    ['a\u0000b', 'it contains a control character'],
    ['a/../../b', 'it contains an empty, "." or ".." segment'],
    ['..', 'it contains an empty, "." or ".." segment'],
    ['a//b', 'it contains an empty, "." or ".." segment'],
    ['./a', 'it contains an empty, "." or ".." segment'],
  ])('path %j → %s', (path, reason) => {
    expect(unsafeRepoPathReason(path)).toBe(reason)
  })

  it('parses model info and rejects malformed answers', () => {
    expect(parseModelInfo({ sha: SHA, siblings: [{ rfilename: 'a' }] }, 'x')).toEqual({ sha: SHA, siblings: ['a'], gated: false })
    expect(parseModelInfo({ sha: SHA, siblings: [], gated: 'auto' }, 'x').gated).toBe('auto')
    expect(() => parseModelInfo({ sha: 'main', siblings: [] }, 'x')).toThrow(/40-hex "sha"/)
    expect(() => parseModelInfo({ sha: SHA, siblings: [], gated: 'yes' }, 'x')).toThrow(/gated/)
    expect(() => parseModelInfo('<html>', 'x')).toThrow(UserError)
  })

  it('parses tree pages, skipping directories and checking LFS records', () => {
    const lfs = { oid: 'e'.repeat(64), size: 9, pointerSize: 130 }
    expect(
      parseTreePage(
        [
          { type: 'directory', path: 'd', size: 0, oid: OID },
          { type: 'file', path: 'd/w.gguf', size: 9, oid: OID, lfs, xetHash: 'f'.repeat(64) },
        ],
        'x',
      ),
    ).toEqual([{ path: 'd/w.gguf', size: 9, oid: OID, lfs: { oid: lfs.oid, size: 9 }, xetHash: 'f'.repeat(64) }])
    expect(() => parseTreePage([{ type: 'file', path: 'a', size: -1, oid: OID }], 'x')).toThrow(/size/)
    expect(() => parseTreePage([{ type: 'file', path: 'a', size: 1, oid: OID, lfs: { oid: 'short', size: 1 } }], 'x')).toThrow(/lfs/)
    expect(() => parseTreePage([{ type: 'directory', path: '../up', size: 0, oid: OID }], 'x')).toThrow(/hostile/)
  })

  it.each<[string | null, string | undefined]>([
    ['<https://hub.example/api/x?cursor=abc>; rel="next"', 'https://hub.example/api/x?cursor=abc'],
    ['<https://hub.example/p1>; rel="prev", <https://hub.example/p3>; rel="next"', 'https://hub.example/p3'],
    ['</api/x?cursor=2>; rel=next', 'https://hub.example/api/x?cursor=2'],
    ['<https://hub.example/p1>; rel="prev"', undefined],
    [null, undefined],
  ])('Link %s → %s', (header, next) => {
    expect(nextLink(header, new URL('https://hub.example/api/x'))?.href).toBe(next)
  })

  it.each(['org/name', 'mlx-community/Qwen3-8B-4bit', 'a.b/c_d'])('accepts repo id %s', (id) => {
    expect(validateRepoId(id)).toBe(id)
  })
})
