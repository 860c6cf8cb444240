/**
 * Property test: thousands of mutated fleet files thrown at the loader. Whatever the input, the loader returns
 * diagnostics (never throws, never hangs), every diagnostic is well-formed, and a result without errors has a fleet.
 */
import { readFileSync, readdirSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { loadFleetText } from '../../src/config/load.ts'
import { seededRandom } from '../support/model-files.ts'

// A seeded PRNG, so failures reproduce.
const prng = seededRandom

const SEEDS = readdirSync(new URL('../../examples/', import.meta.url))
  .filter((f) => f.endsWith('.yaml'))
  .map((f) => readFileSync(new URL(`../../examples/${f}`, import.meta.url)))
const FRAGMENTS = [
  ':',
  '-',
  ' ',
  '\n',
  '  ',
  '{',
  '}',
  '[',
  ']',
  '"',
  "'",
  '&a',
  '*a',
  '!!binary',
  '0',
  '-1',
  '1e999',
  'null',
  '~',
  'true',
  '32k',
  '0k',
  '512GB',
  'GiB',
  '#',
  '\t',
  '%YAML 1.2\n',
  '---\n',
  '...\n',
  '<<: *a',
  '\u0000',
  '\uFFFD',
  'machines',
  'models',
  'deployments',
  'engine: ollama',
  'port: 8080',
  'context: 0',
]

function mutate(source: Uint8Array, random: () => number): Uint8Array {
  let bytes = Array.from(source)
  const edits = 1 + Math.floor(random() * 4)
  for (let e = 0; e < edits; e++) {
    const at = Math.floor(random() * (bytes.length + 1))
    const choice = random()
    if (choice < 0.3) {
      bytes.splice(at, 1 + Math.floor(random() * 8)) // delete a few bytes
    } else if (choice < 0.6) {
      const fragment = FRAGMENTS[Math.floor(random() * FRAGMENTS.length)]!
      bytes.splice(at, 0, ...new TextEncoder().encode(fragment)) // insert a YAML-ish fragment
    } else if (choice < 0.75) {
      bytes[at] = Math.floor(random() * 256) // flip a byte (may break UTF-8)
    } else if (choice < 0.9) {
      const from = Math.floor(random() * bytes.length)
      const chunk = bytes.slice(from, from + Math.floor(random() * 80))
      bytes.splice(at, 0, ...chunk) // duplicate a chunk (duplicate keys, bad indentation)
    } else {
      bytes = bytes.slice(0, at) // truncate
    }
  }
  return Uint8Array.from(bytes)
}

describe('loader fuzz', () => {
  it('turns 3000 mutated fleets into diagnostics, never into exceptions', () => {
    const random = prng(20261122)
    let rejected = 0
    for (let i = 0; i < 3000; i++) {
      const input = mutate(SEEDS[i % SEEDS.length]!, random)
      let result: ReturnType<typeof loadFleetText>
      try {
        result = loadFleetText(input, 'fuzz.yaml')
      } catch (error) {
        throw new Error(`input #${i} threw: ${String(error)}\n---\n${new TextDecoder().decode(input)}`)
      }
      const errors = result.diagnostics.filter((d) => d.severity === 'error')
      if (errors.length > 0) rejected++
      expect(result.fleet === null).toBe(errors.length > 0)
      for (const d of result.diagnostics) {
        expect(d.file).toBe('fuzz.yaml')
        expect(d.line).toBeGreaterThanOrEqual(0)
        expect(d.column).toBeGreaterThanOrEqual(0)
        expect(d.message).not.toMatch(/undefined|\[object Object\]|NaN/)
        expect(['error', 'warning', 'info']).toContain(d.severity)
      }
    }
    // The mutations must actually break files, or this test proves nothing.
    expect(rejected).toBeGreaterThan(1000)
  })
})
