/**
 * The schema is the source of truth; these checks keep the TypeScript types, the unit parsers and the schema
 * generator in step with it, and make sure editors get a description and examples for every field.
 */
import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { ENGINE_IDS, KV_CACHE_TYPES } from '../../src/catalog/engines.ts'
import { ENGINES } from '../../src/engines/index.ts'
import { RULE_IDS } from '../../src/rules/catalog.ts'
import { BANDWIDTH_PATTERN_SOURCE, CONTEXT_PATTERN_SOURCE, SIZE_PATTERN_SOURCE } from '../../src/config/units.ts'
import * as written from '../../src/config/written.ts'

type Schema = {
  properties?: Record<string, Schema>
  additionalProperties?: Schema | boolean
  $defs?: Record<string, Schema>
  description?: string
  examples?: unknown[]
  pattern?: string
  enum?: string[]
  allOf?: Schema[]
  [key: string]: unknown
}
const schema = JSON.parse(readFileSync(new URL('../../schemas/fleet.schema.json', import.meta.url), 'utf8')) as Schema
const keysOf = (s: Schema | undefined): string[] => Object.keys(s?.properties ?? {}).sort()
const keysOfList = (o: object): string[] => Object.keys(o).sort()
const item = (s: Schema | undefined): Schema => s?.additionalProperties as Schema

describe('schema ↔ TypeScript types', () => {
  it('has the same keys at every level', () => {
    expect(keysOf(schema)).toEqual(keysOfList(written.FLEET_KEYS))
    expect(keysOf(schema.properties!.defaults)).toEqual(keysOfList(written.DEFAULTS_KEYS))
    expect(keysOf(schema.properties!.engines)).toEqual(keysOfList(written.ENGINES_KEYS))
    for (const engine of Object.keys(written.ENGINES_KEYS)) expect(keysOf(schema.properties!.engines!.properties![engine])).toEqual(keysOfList(written.ENGINE_SOURCE_KEYS))
    const machine = item(schema.properties!.machines)
    expect(keysOf(machine)).toEqual(keysOfList(written.MACHINE_KEYS))
    expect(keysOf(machine.properties!.pools)).toEqual(keysOfList(written.POOLS_KEYS))
    const model = item(schema.properties!.models)
    expect(keysOf(model)).toEqual(keysOfList(written.MODEL_KEYS))
    expect(keysOf(model.properties!.ropeScaling)).toEqual(keysOfList(written.ROPE_SCALING_KEYS))
    expect(keysOf(item(schema.properties!.deployments))).toEqual(keysOfList(written.DEPLOYMENT_KEYS))
    for (const engine of ENGINE_IDS) expect(keysOf(schema.$defs![`options-${engine}`])).toEqual(keysOfList(written.ENGINE_OPTION_KEYS[engine]))
  })

  it('lists the same engines, KV types per engine and rules as the catalogs', () => {
    const deployment = item(schema.properties!.deployments)
    expect(deployment.properties!.engine!.enum).toEqual([...ENGINE_IDS])
    expect(deployment.properties!.kvCache!.enum).toEqual([...KV_CACHE_TYPES])
    for (const branch of deployment.allOf ?? []) {
      const engine = ((branch.if as Schema).properties!.engine as Schema).const as (typeof ENGINE_IDS)[number]
      expect(((branch.then as Schema).properties!.kvCache as Schema).enum).toEqual([...ENGINES[engine].kvCacheTypes])
    }
    expect(
      keysOf(schema.properties!.rules)
        .filter((k) => !['maxMemoryFraction', 'minDecodeTokensPerSecond', 'fitOn'].includes(k))
        .sort(),
    ).toEqual([...RULE_IDS].sort())
  })

  it("uses the unit parsers' own patterns", () => {
    const machine = item(schema.properties!.machines)
    expect(machine.properties!.memory!.pattern).toBe(SIZE_PATTERN_SOURCE)
    expect(machine.properties!.bandwidth!.pattern).toBe(BANDWIDTH_PATTERN_SOURCE)
    expect(item(schema.properties!.deployments).properties!.context!.pattern).toBe(CONTEXT_PATTERN_SOURCE)
  })

  it('describes every field with examples, for editors', () => {
    const missing: string[] = []
    const walk = (s: Schema, path: string): void => {
      for (const [key, child] of Object.entries(s.properties ?? {})) {
        if (!child.description) missing.push(`${path}.${key}: description`)
        const leaf = !child.properties && !(typeof child.additionalProperties === 'object')
        if (leaf && !child.examples && key !== 'options') missing.push(`${path}.${key}: examples`)
        walk(child, `${path}.${key}`)
      }
      if (typeof s.additionalProperties === 'object') walk(s.additionalProperties, `${path}.*`)
    }
    walk(schema, '')
    for (const [name, def] of Object.entries(schema.$defs ?? {})) walk(def, `$defs.${name}`)
    expect(missing).toEqual([])
  })

  it('is exactly what scripts/schema-src.mjs generates', () => {
    const generated = execFileSync(process.execPath, ['scripts/schema-src.mjs', '--print'], { encoding: 'utf8' })
    expect(generated).toBe(readFileSync(new URL('../../schemas/fleet.schema.json', import.meta.url), 'utf8'))
  })
})
