/**
 * What `fleet pull` downloads: the models asked for (default: every model a deployment uses), each with the file list
 * pinned in fleet.lock, resolved exactly as `fleet plan` resolves (resolveModels: lock, then Hub metadata, then
 * catalog), and the cache directory it goes to.
 */
import { homedir } from 'node:os'
import { join } from 'node:path'
import type { Diagnostic, PathSegment } from '../config/diagnostics.ts'
import type { Fleet, Model } from '../config/types.ts'
import { UserError } from '../errors.ts'
import type { HubClient } from '../hub/client.ts'
import type { ModelFacts } from '../resolve/facts.ts'
import type { Lock } from '../resolve/lock.ts'
import { resolveModels } from '../resolve/resolve.ts'
import { closest } from '../util/did-you-mean.ts'

export interface PullTarget {
  readonly model: Model
  readonly facts: ModelFacts
  readonly cacheDir: string
}

export interface TargetProblem {
  readonly model: string
  readonly message: string
  readonly hint: string | undefined
}

export interface Targets {
  readonly targets: PullTarget[]
  readonly problems: TargetProblem[]
  /** Non-fatal diagnostics (e.g. the Hub was unreachable), for the user to see. */
  readonly warnings: Diagnostic[]
  readonly lock: Lock
  readonly updated: readonly string[]
}

export interface TargetOptions {
  readonly names: readonly string[]
  readonly lock: Lock
  readonly hub: HubClient | null
  readonly locate: (path: readonly PathSegment[]) => { line: number; column: number }
  /** --cache-dir; beats a machine's hfCache, which beats the environment (HF_HUB_CACHE…). */
  readonly cacheDirFlag: string | undefined
  readonly envCacheDir: string
  readonly home?: string
}

/** The models named on the command line, or every model a deployment uses; an unknown name is a usage error. */
export function wantedModels(fleet: Fleet, names: readonly string[]): Model[] {
  if (names.length === 0) {
    const used = new Set(fleet.deployments.map((d) => d.model))
    return fleet.models.filter((m) => used.has(m.name))
  }
  return [...new Set(names)].map((name) => {
    const model = fleet.models.find((m) => m.name === name)
    if (model) return model
    const guess = closest(
      name,
      fleet.models.map((m) => m.name),
    )
    throw new UserError(`fleet.yaml has no model "${name}"`, { hint: guess === undefined ? `Models: ${fleet.models.map((m) => m.name).join(', ') || '(none)'}` : `Did you mean "${guess}"?` })
  })
}

export async function pullTargets(fleet: Fleet, options: TargetOptions): Promise<Targets> {
  const wanted = wantedModels(fleet, options.names)
  // Only the wanted models go to the resolver, so `fleet pull a` never reads the Hub for b; `all` so that a model named
  // on the command line is pinned even when no deployment uses it yet.
  const resolved = await resolveModels({ ...fleet, models: wanted }, { lock: options.lock, hub: options.hub, locate: options.locate, all: true })
  const facts = resolved.facts
  const problems: TargetProblem[] = []
  for (const d of resolved.diagnostics.filter((x) => x.severity === 'error')) {
    problems.push({ model: d.path.split('.')[1] ?? '?', message: d.message, hint: d.hint ?? undefined })
  }
  // Judged against a subset of the models, "stale" lock entries would be false alarms; `fleet plan` reports real ones.
  const warnings = resolved.diagnostics.filter((d) => d.severity !== 'error' && d.code !== 'lock-stale')

  const targets: PullTarget[] = []
  for (const model of wanted) {
    if (problems.some((p) => p.model === model.name)) continue
    const found = facts.get(model.name)
    if (!found || found.commit === null || found.weights.files.length === 0) {
      problems.push({
        model: model.name,
        message: `${model.name}: fleet.lock has no file list for ${model.source.repo}${found?.source === 'catalog' ? ' (fleet only knows its architecture from the built-in catalog)' : ''}, so there is nothing to download yet`,
        hint: "Run fleet pull (or fleet plan) with network access: fleet reads the repo's file list from the Hub and pins it in fleet.lock.",
      })
      continue
    }
    try {
      targets.push({ model, facts: found, cacheDir: cacheDirFor(fleet, model, options) })
    } catch (error) {
      if (!(error instanceof UserError)) throw error
      problems.push({ model: model.name, message: error.message, hint: error.hint })
    }
  }
  return { targets, problems, warnings, lock: resolved.lock, updated: resolved.updated }
}

/**
 * `--cache-dir`, else the `hfCache` of the machine this runs on (machines without a `host`) that deploys the model,
 * else the environment's hub cache (HF_HUB_CACHE → HUGGINGFACE_HUB_CACHE → $HF_HOME/hub → ~/.cache/huggingface/hub).
 */
export function cacheDirFor(fleet: Fleet, model: Model, options: Pick<TargetOptions, 'cacheDirFlag' | 'envCacheDir' | 'home'>): string {
  if (options.cacheDirFlag !== undefined) return expandHome(options.cacheDirFlag, options.home)
  const machines = new Set(fleet.deployments.filter((d) => d.model === model.name).flatMap((d) => d.machines))
  const caches = [...new Set(fleet.machines.filter((m) => m.host === null && machines.has(m.name) && m.hfCache !== null).map((m) => m.hfCache as string))]
  if (caches.length > 1) {
    throw new UserError(`${model.name} is deployed on local machines with different hfCache settings (${caches.join(', ')})`, { hint: 'Choose one with --cache-dir.' })
  }
  return caches[0] === undefined ? options.envCacheDir : expandHome(caches[0], options.home)
}

function expandHome(path: string, home = homedir()): string {
  if (path === '~') return home
  return path.startsWith('~/') ? join(home, path.slice(2)) : path
}
