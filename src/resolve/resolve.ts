/**
 * The resolve stage: facts for every model, from (in order) fleet.lock, the Hub's metadata, or the built-in catalog.
 * Only this stage and the lock write touch the outside world before apply; planning is pure.
 */
import type { Diagnostic, PathSegment } from '../config/diagnostics.ts'
import type { Fleet, Model } from '../config/types.ts'
import { UserError } from '../errors.ts'
import { GgufFormatError } from '../formats/gguf.ts'
import { SafetensorsFormatError } from '../formats/safetensors.ts'
import type { HubClient } from '../hub/client.ts'
import { HubHttpError } from '../hub/hub-errors.ts'
import { UnsupportedArchitectureError } from '../model/hf-config.ts'
import { factsFromCatalog } from './from-catalog.ts'
import { factsFromHub } from './from-hub.ts'
import type { ModelFacts } from './facts.ts'
import { lookupLock, sourceString, staleEntries, withModel, type Lock } from './lock.ts'

export interface ResolveOptions {
  readonly lock: Lock
  /** Null when offline (HF_HUB_OFFLINE, --offline): only the lock and the catalog are used. */
  readonly hub: HubClient | null
  readonly locate: (path: readonly PathSegment[]) => { line: number; column: number }
  /** Models to re-read from the Hub even though the lock pins them (`fleet lock --update`). */
  readonly update?: ReadonlySet<string>
  /** Resolve every declared model, not only those a deployment uses (`fleet lock`). */
  readonly all?: boolean
}

export interface ResolveResult {
  readonly facts: Map<string, ModelFacts>
  readonly diagnostics: Diagnostic[]
  readonly lock: Lock
  /** Models whose facts were newly read from the Hub (the lock must be written). */
  readonly updated: readonly string[]
}

export async function resolveModels(fleet: Fleet, options: ResolveOptions): Promise<ResolveResult> {
  const facts = new Map<string, ModelFacts>()
  const diagnostics: Diagnostic[] = []
  let lock = options.lock
  const updated: string[] = []
  let hub = options.hub
  const used = new Set(fleet.deployments.map((d) => d.model).filter((m): m is string => m !== null))
  const report = (model: Model, severity: Diagnostic['severity'], code: string, message: string, hint: string | null): void => {
    const path = ['models', model.name, 'source']
    const pos = options.locate(path)
    diagnostics.push({ file: fleet.file, line: pos.line, column: pos.column, path: `models.${model.name}.source`, severity, code, message, hint })
  }

  const stale = staleEntries(
    lock,
    fleet.models.map((m) => m.name),
  )
  if (stale.length > 0) {
    const pos = options.locate(['models'])
    diagnostics.push({
      file: fleet.file,
      line: pos.line,
      column: pos.column,
      path: 'models',
      severity: 'warning',
      code: 'lock-stale',
      message: `fleet.lock still pins ${stale.join(', ')}, which fleet.yaml no longer declares`,
      hint: 'Run fleet lock to remove them',
    })
  }

  for (const model of fleet.models) {
    if (!used.has(model.name) && !options.all) continue
    const found = options.update?.has(model.name) ? ({ kind: 'unlocked' } as const) : lookupLock(lock, model)
    if (found.kind === 'locked') {
      facts.set(model.name, found.facts)
      continue
    }
    if (found.kind === 'mismatch') {
      // A lock is reviewed in git: never rewrite it behind the user's back.
      const was = `${found.locked.source}${found.locked.quant ? ` (quant ${found.locked.quant})` : ''}`
      const now = `${sourceString(model)}${model.quant ? ` (quant ${model.quant})` : ''}`
      report(model, 'error', 'lock-mismatch', `fleet.lock pins model ${model.name} to ${was}, but fleet.yaml says ${now}`, `Run fleet lock --update ${model.name} to re-pin it (or restore fleet.yaml)`)
      continue
    }
    if (hub) {
      try {
        const found = await factsFromHub(model, hub)
        facts.set(model.name, found)
        lock = withModel(lock, model, found)
        updated.push(model.name)
        continue
      } catch (error) {
        if (isUnreachable(error)) {
          // One unreachable Hub is enough to know: size the rest from the catalog without waiting on it again.
          hub = null
          report(
            model,
            'warning',
            'hub-unreachable',
            `${(error as Error).message}; sizing from fleet's built-in catalog instead of the files`,
            'Run fleet plan (or fleet lock) once with network access to pin commits and read exact sizes into fleet.lock',
          )
        } else {
          const { message, hint } = describe(error)
          report(model, 'error', error instanceof HubHttpError ? 'hub-error' : 'unsizable', message, hint)
          continue
        }
      }
    }
    try {
      const fromCatalog = factsFromCatalog(model)
      if (fromCatalog) {
        facts.set(model.name, fromCatalog)
        continue
      }
    } catch (error) {
      const { message, hint } = describe(error)
      report(model, 'error', 'unsizable', message, hint)
      continue
    }
    report(
      model,
      'error',
      'model-unknown',
      `cannot size ${model.source.repo}: it is not in fleet.lock${options.hub ? ', the Hub could not be read' : ' and fleet is offline'}, and fleet's built-in catalog does not know it`,
      'Run fleet plan once with network access (unset HF_HUB_OFFLINE, or point HF_ENDPOINT at a mirror) so fleet can read its config and file headers',
    )
  }
  // What fleet assumed while reading an architecture (an unknown family, a missing key, a header that contradicts its
  // tensors): a warning at the model, every plan, wherever the facts came from (the lock keeps the notes).
  for (const model of fleet.models) {
    const found = facts.get(model.name)
    for (const note of found?.notes ?? []) {
      report(
        model,
        'warning',
        found?.architecture ? 'architecture-assumed' : 'architecture-unreadable',
        `${found?.repo ?? model.source.repo}: ${note}`,
        found?.architecture
          ? 'The figures follow the generic rules; compare them with the engine log of a first run'
          : 'Only the weights count towards the fit; fix the file or pick another conversion of the model',
      )
    }
  }
  return { facts, diagnostics, lock, updated }
}

/** Transport failures (no route, DNS, timeouts) carry their cause; HTTP answers and bad content do not. */
function isUnreachable(error: unknown): boolean {
  return error instanceof UserError && !(error instanceof HubHttpError) && error.cause !== undefined
}

function describe(error: unknown): { message: string; hint: string | null } {
  if (error instanceof UserError) return { message: error.message, hint: error.hint ?? null }
  if (error instanceof UnsupportedArchitectureError)
    return { message: error.message, hint: "fleet sizes only the architectures it knows exactly (docs/sizing.md lists them); open an issue with the model's config.json" }
  if (error instanceof GgufFormatError || error instanceof SafetensorsFormatError)
    return { message: `the model's file header is malformed: ${error.message}`, hint: 'Check the repo and revision; re-uploaded files may be broken' }
  throw error
}
