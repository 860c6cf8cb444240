/**
 * fleet.lock: the models pinned to commits, with the sizing facts read from their files, committed next to fleet.yaml
 * (like .terraform.lock.hcl). Deterministic JSON with sorted keys, so a model update shows as a readable diff.
 */
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { UserError } from '../errors.ts'
import type { Model } from '../config/types.ts'
import { stableStringify } from '../util/stable-json.ts'
import type { ModelFacts } from './facts.ts'

export const LOCK_VERSION = 1
export const LOCK_FILE = 'fleet.lock'

export interface LockedModel {
  /** The fleet.yaml source it was resolved from (hf:org/name[@revision]) and the quant, to notice edits. */
  readonly source: string
  readonly quant: string | null
  readonly facts: Omit<ModelFacts, 'source'>
}

export interface Lock {
  readonly version: typeof LOCK_VERSION
  readonly models: Readonly<Record<string, LockedModel>>
}

export function lockPathFor(fleetFile: string): string {
  return join(dirname(fleetFile), LOCK_FILE)
}

export function emptyLock(): Lock {
  return { version: LOCK_VERSION, models: {} }
}

export function sourceString(model: Model): string {
  return `hf:${model.source.repo}${model.source.revision === null ? '' : `@${model.source.revision}`}`
}

export function readLock(path: string): Lock {
  if (!existsSync(path)) return emptyLock()
  let parsed: unknown
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'))
  } catch (error) {
    throw new UserError(`${path} is not valid JSON: ${(error as Error).message}`, { hint: 'Restore it from git, or delete it and run fleet lock to rebuild it' })
  }
  const version = (parsed as { version?: unknown } | null)?.version
  if (version !== LOCK_VERSION) {
    throw new UserError(`${path} has lock version ${JSON.stringify(version)}; this fleet reads version ${LOCK_VERSION}`, { hint: 'Upgrade fleet, or delete the lock and run fleet lock to rebuild it' })
  }
  const models = (parsed as { models?: unknown }).models
  if (typeof models !== 'object' || models === null || Array.isArray(models)) throw new UserError(`${path} has no models`, { hint: 'Delete it and run fleet lock to rebuild it' })
  for (const [name, entry] of Object.entries(models)) {
    const problem = entryProblem(entry)
    if (problem) throw new UserError(`${path}: the entry for model ${name} is damaged (${problem})`, { hint: `Run fleet lock --update ${name} to pin it again (or restore the file from git)` })
  }
  return parsed as Lock
}

/** What is wrong with a lock entry, as far as fleet relies on it; undefined when it is sound. */
function entryProblem(entry: unknown): string | undefined {
  if (typeof entry !== 'object' || entry === null) return 'not an object'
  const e = entry as Record<string, unknown>
  if (typeof e.source !== 'string') return 'no source'
  const facts = e.facts as Record<string, unknown> | undefined
  if (typeof facts !== 'object' || facts === null) return 'no facts'
  if (typeof facts.repo !== 'string' || typeof facts.format !== 'string' || typeof facts.quant !== 'string') return 'no repo, format or quant'
  if (facts.commit !== null && (typeof facts.commit !== 'string' || !/^[0-9a-f]{40}$/.test(facts.commit))) return 'a malformed commit'
  const arch = facts.architecture as Record<string, unknown> | undefined
  // null: a model fleet could read only the weights of (its notes say why).
  if (arch !== null && (typeof arch !== 'object' || !Array.isArray(arch.layers))) return 'no architecture'
  const weights = facts.weights as Record<string, unknown> | undefined
  if (typeof weights !== 'object' || weights === null || typeof weights.totalBytes !== 'number' || !Array.isArray(weights.files)) return 'no weights'
  for (const file of weights.files as unknown[]) {
    const f = file as Record<string, unknown> | null
    if (typeof f?.path !== 'string' || typeof f.bytes !== 'number' || typeof f.gitOid !== 'string') return 'a malformed file entry'
  }
  return undefined
}

export type LockLookup =
  | { readonly kind: 'locked'; readonly facts: ModelFacts }
  | { readonly kind: 'unlocked' }
  /** The lock pins this model name to another source or quant than fleet.yaml now says. */
  | { readonly kind: 'mismatch'; readonly locked: { readonly source: string; readonly quant: string | null } }

export function lookupLock(lock: Lock, model: Model): LockLookup {
  const entry = lock.models[model.name]
  if (!entry) return { kind: 'unlocked' }
  if (entry.source !== sourceString(model) || entry.quant !== model.quant) return { kind: 'mismatch', locked: { source: entry.source, quant: entry.quant } }
  return { kind: 'locked', facts: { ...entry.facts, source: 'lock' } }
}

/** Entries for models fleet.yaml no longer declares. */
export function staleEntries(lock: Lock, modelNames: readonly string[]): string[] {
  return Object.keys(lock.models)
    .filter((name) => !modelNames.includes(name))
    .sort()
}

export function withoutModels(lock: Lock, names: readonly string[]): Lock {
  return { version: LOCK_VERSION, models: Object.fromEntries(Object.entries(lock.models).filter(([name]) => !names.includes(name))) }
}

export function withModel(lock: Lock, model: Model, facts: ModelFacts): Lock {
  const { source: _source, ...stored } = facts
  return { version: LOCK_VERSION, models: { ...lock.models, [model.name]: { source: sourceString(model), quant: model.quant, facts: stored } } }
}

/** Writes atomically (temp file + rename) so an interrupted write never leaves half a lock. */
export function writeLock(path: string, lock: Lock): void {
  const temp = `${path}.${process.pid}.tmp`
  writeFileSync(temp, `${stableStringify(lock)}\n`)
  renameSync(temp, path)
}
