/**
 * Layer 2 of validation: the JSON Schema (schemas/fleet.schema.json, the source of truth) run by ajv, with each
 * ajv error rewritten as one positioned diagnostic that says what is wrong and what to write instead.
 */
import { readFileSync } from 'node:fs'
import { Ajv2020, type ErrorObject } from 'ajv/dist/2020.js'
import type { Diagnostic, PathSegment } from './diagnostics.ts'
import { diagnosticAt, type FleetSource } from './source.ts'
import { parseBandwidth, parseContext, parseSize } from './units.ts'
import { didYouMean } from '../util/did-you-mean.ts'

export const SCHEMA_URL = new URL('../../schemas/fleet.schema.json', import.meta.url)

let cachedSchema: Record<string, unknown> | undefined
export function loadSchema(): Record<string, unknown> {
  cachedSchema ??= JSON.parse(readFileSync(SCHEMA_URL, 'utf8')) as Record<string, unknown>
  return cachedSchema
}

let validator: ReturnType<Ajv2020['compile']> | undefined
function getValidator(): ReturnType<Ajv2020['compile']> {
  if (!validator) {
    const ajv = new Ajv2020({ allErrors: true, verbose: true, strict: true, strictRequired: false, allowUnionTypes: true })
    validator = ajv.compile(loadSchema())
  }
  return validator
}

export function validateSchema(source: FleetSource): Diagnostic[] {
  const validate = getValidator()
  if (validate(source.data)) return []
  const errors = (validate.errors ?? []).filter((error) => error.keyword !== 'if')
  const seen = new Set<string>()
  const diagnostics: Diagnostic[] = []
  for (const error of errors) {
    const diagnostic = toDiagnostic(source, error)
    // Several ajv errors can describe one mistake at one place (e.g. type and pattern); keep the first.
    const key = `${diagnostic.path}|${diagnostic.line}|${diagnostic.column}`
    if (seen.has(key)) continue
    seen.add(key)
    diagnostics.push(diagnostic)
  }
  return diagnostics
}

function pathOf(instancePath: string): PathSegment[] {
  if (instancePath === '') return []
  return instancePath
    .slice(1)
    .split('/')
    .map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((part) => (/^\d+$/.test(part) ? Number(part) : part))
}

function describe(value: unknown): string {
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'a list'
  if (typeof value === 'object') return 'a mapping'
  if (typeof value === 'string') return `the string ${JSON.stringify(value)}`
  return `${typeof value} ${String(value)}`
}

function toDiagnostic(source: FleetSource, error: ErrorObject): Diagnostic {
  const path = pathOf(error.instancePath)
  const params = error.params as Record<string, unknown>
  const parent = (error.parentSchema ?? {}) as Record<string, unknown>
  const value = error.data
  switch (error.keyword) {
    case 'additionalProperties': {
      const property = String(params.additionalProperty)
      const allowed = Object.keys((parent.properties ?? {}) as object)
      return diagnosticAt(source, [...path, property], {
        code: 'unknown-property',
        key: true,
        message: `unknown property "${property}"`,
        hint: [didYouMean(property, allowed), allowed.length > 0 ? `Allowed here: ${allowed.join(', ')}.` : ''].filter(Boolean).join(' ') || null,
      })
    }
    case 'required': {
      const property = String(params.missingProperty)
      return diagnosticAt(source, path, { code: 'missing-property', key: path.length > 0, message: `missing required property "${property}"`, hint: requiredHint(path, property) })
    }
    case 'propertyNames':
      return diagnosticAt(source, [...path, String(params.propertyName)], {
        code: 'invalid-name',
        key: true,
        message: `"${String(params.propertyName)}" is not a valid name`,
        hint: 'Names use lowercase letters, digits, "-" and "_", start with a letter or digit, and are at most 63 characters',
      })
    case 'type':
      return diagnosticAt(source, path, { code: 'wrong-type', message: `expected ${String(params.type).replace(/,/g, ' or ')}, found ${describe(value)}`, hint: examplesHint(parent) })
    case 'enum': {
      const allowed = ((parent.enum ?? error.schema) as unknown[]).map(String)
      return diagnosticAt(source, path, {
        code: 'invalid-value',
        message: `${describe(value)} is not one of: ${allowed.join(', ')}`,
        hint: typeof value === 'string' ? didYouMean(value, allowed) || null : null,
      })
    }
    case 'const':
      return diagnosticAt(source, path, {
        code: 'invalid-value',
        message: `must be ${JSON.stringify(params.allowedValue)}, found ${describe(value)}`,
        hint: path.join('.') === 'version' ? 'This fleet knows file format version 1; write version: 1' : null,
      })
    case 'pattern':
      return diagnosticAt(source, path, { code: 'invalid-value', message: patternMessage(path, value), hint: examplesHint(parent) })
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum': {
      const limit = Number(params.limit)
      const context = path.at(-1) === 'context'
      return diagnosticAt(source, path, {
        code: context ? 'invalid-context' : 'out-of-range',
        message: context ? parseContextMessage(value) : `${String(value)} is out of range: must be ${String(params.comparison)} ${limit}`,
        hint: examplesHint(parent),
      })
    }
    case 'minProperties':
      return diagnosticAt(source, path, {
        code: 'empty',
        message: `${path.join('.') || 'the file'} needs at least ${String(params.limit)} entry`,
        hint: path[0] === 'machines' ? 'Declare the Mac(s) to deploy to, e.g. studio: { chip: m3-ultra, memory: 512GB }' : null,
      })
    case 'minItems':
      return diagnosticAt(source, path, { code: 'too-few', message: `needs at least ${String(params.limit)} items`, hint: null })
    case 'uniqueItems':
      return diagnosticAt(source, path, { code: 'duplicate-item', message: `items ${String(params.j)} and ${String(params.i)} are the same`, hint: 'List each machine once' })
    case 'minLength':
      return diagnosticAt(source, path, { code: 'invalid-value', message: 'must not be empty', hint: examplesHint(parent) })
    default:
      return diagnosticAt(source, path, { code: 'schema', message: error.message ?? `fails ${error.keyword}`, hint: examplesHint(parent) })
  }
}

function parseContextMessage(value: unknown): string {
  const parsed = parseContext(value as string | number)
  return parsed.ok ? `${String(value)} is not a valid context` : parsed.message
}

function patternMessage(path: readonly PathSegment[], value: unknown): string {
  const field = String(path.at(-1))
  const text = String(value)
  if (field === 'context') return parseContextMessage(value)
  if (field === 'bandwidth') {
    const parsed = parseBandwidth(text)
    return parsed.ok ? `"${text}" is not a bandwidth` : parsed.message
  }
  if (field === 'source') return `"${text}" is not a model source; write hf:org/name, optionally with @revision`
  const size = parseSize(text)
  if (!size.ok) return size.message
  return `"${text}" is not valid here`
}

function examplesHint(parent: Record<string, unknown>): string | null {
  const examples = parent.examples
  if (!Array.isArray(examples) || examples.length === 0) return null
  return `For example: ${examples.map((e) => JSON.stringify(e)).join(', ')}`
}

function requiredHint(path: readonly PathSegment[], property: string): string | null {
  if (path[0] === 'deployments' && property === 'model') return 'Name the model this deployment serves (a key under models:)'
  if (path[0] === 'deployments' && property === 'options') return 'A command deployment needs options.command, the program to run'
  if (path[0] === 'deployments' && property === 'command') return 'Give the program and its arguments, e.g. command: [open-webui, serve, --port, "{port}"]'
  if (path[0] === 'machines' && property === 'chip') return 'Name the chip, e.g. chip: m3-ultra (run `fleet chips` to list them)'
  if (path[0] === 'machines' && property === 'memory') return 'Give the installed memory, e.g. memory: 512GB'
  if (property === 'version') return 'Add version: 1 at the top of the file'
  return null
}
