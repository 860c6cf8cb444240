import { describe, expect, it } from 'vitest'
import { addRange, coveredBytes, missingRanges, normalizeRanges, splitRanges } from '../../src/pull/ranges.ts'
import { snapshotLinkTarget } from '../../src/pull/paths.ts'

describe('byte ranges of a partial download', () => {
  it('merges overlapping and touching ranges, keeps gaps', () => {
    let r = addRange([], 10, 20)
    r = addRange(r, 30, 40)
    r = addRange(r, 20, 25)
    expect(r).toEqual([
      [10, 25],
      [30, 40],
    ])
    expect(addRange(r, 0, 100)).toEqual([[0, 100]])
    expect(addRange(r, 5, 5)).toEqual(r)
    expect(coveredBytes(r)).toBe(25)
  })

  it('normalizes untrusted ranges from a sidecar: clipped, sorted, merged', () => {
    expect(
      normalizeRanges(
        [
          [50, 200],
          [-5, 10],
          [5, 20],
        ],
        100,
      ),
    ).toEqual([
      [0, 20],
      [50, 100],
    ])
  })

  it('finds the gaps and cuts them into segments of at least the minimum', () => {
    expect(
      missingRanges(
        [
          [10, 20],
          [30, 40],
        ],
        50,
      ),
    ).toEqual([
      [0, 10],
      [20, 30],
      [40, 50],
    ])
    expect(missingRanges([], 0)).toEqual([])
    expect(splitRanges([[0, 1000]], 4, 100)).toEqual([
      [0, 250],
      [250, 500],
      [500, 750],
      [750, 1000],
    ])
    // Never smaller than the minimum: 1000 bytes in pieces of at least 400.
    expect(splitRanges([[0, 1000]], 8, 400)).toEqual([
      [0, 334],
      [334, 668],
      [668, 1000],
    ])
    // A small gap stays whole; the large one is cut to about the target piece size.
    expect(
      splitRanges(
        [
          [0, 10],
          [500, 1000],
        ],
        2,
        1,
      ),
    ).toEqual([
      [0, 10],
      [500, 750],
      [750, 1000],
    ])
  })
})

describe('snapshot link targets', () => {
  it('climb one more level per directory in the path', () => {
    expect(snapshotLinkTarget('config.json', 'a'.repeat(40))).toBe(`../../blobs/${'a'.repeat(40)}`)
    expect(snapshotLinkTarget('a/b/c.json', 'b'.repeat(64))).toBe(`../../../../blobs/${'b'.repeat(64)}`)
  })
})
