/**
 * `fleet pull [model…]`: download the weights of the named models (default: every model a deployment uses) into the
 * Hugging Face cache, verified, where mlx-lm, llama.cpp and transformers find them. Models not yet in fleet.lock are
 * resolved and pinned first, exactly as `fleet plan` does. Progress: listr2 on a terminal, else one line per event
 * (JSON lines with --json). Exit 0 only when every file is in the cache and verified.
 */
import { resolve } from 'node:path'
import { hasErrors } from '../config/diagnostics.ts'
import { loadFleet } from '../config/load.ts'
import { locate } from '../config/source.ts'
import { UserError } from '../errors.ts'
import { HubClient, type HubClientOptions } from '../hub/client.ts'
import { resolveHubConfig } from '../hub/config.ts'
import { type FreeBytes, checkFreeSpace, formatBytes, freeBytes, missingBytes } from '../pull/disk.ts'
import { type PullResult, pullModel } from '../pull/download.ts'
import type { PullEvent } from '../pull/events.ts'
import type { FetchTuning } from '../pull/fetch-blob.ts'
import { type ListrRenderOptions, runWithListr } from '../pull/render-listr.ts'
import { lineRenderer } from '../pull/render-lines.ts'
import { type PullTarget, pullTargets } from '../pull/targets.ts'
import { lockPathFor, readLock, writeLock } from '../resolve/lock.ts'
import { renderDiagnostic, summarize } from '../ui/diagnostics.ts'
import { type Io, styler } from '../ui/io.ts'

export interface PullCommandOptions {
  readonly file: string
  readonly models: readonly string[]
  readonly json: boolean
  readonly offline: boolean
  /** Overrides a machine's hfCache and the environment's cache directory. */
  readonly cacheDir?: string
  /** Re-hash blobs already in the cache instead of trusting their size. */
  readonly verify?: boolean
  readonly cwd?: string
  /** Test seams: transport settings (a sleep that does not sleep), the free-space probe, download tuning, listr output. */
  readonly hubOptions?: Omit<HubClientOptions, 'endpoint' | 'token' | 'offline'>
  readonly freeBytes?: FreeBytes
  readonly tuning?: Partial<FetchTuning>
  readonly listr?: ListrRenderOptions
}

type Outcome = { readonly target: PullTarget; readonly result: PullResult } | { readonly target: PullTarget; readonly error: UserError }

export async function pull(options: PullCommandOptions, io: Io): Promise<number> {
  const path = resolve(options.cwd ?? process.cwd(), options.file)
  const paint = styler(io.color)
  const loaded = loadFleet(path, options.file)
  if (hasErrors(loaded.diagnostics) || !loaded.fleet || !loaded.source) {
    for (const d of loaded.diagnostics) io.err(`${renderDiagnostic(d, { text: loaded.source?.text, snippets: io.isTTY, paint })}\n`)
    io.err(`${options.file}: ${summarize(loaded.diagnostics)}\n`)
    return 1
  }
  const source = loaded.source
  const hubConfig = resolveHubConfig(io.env)
  const offline = options.offline || hubConfig.offline
  const hub = offline ? null : HubClient.fromConfig(hubConfig, options.hubOptions)
  const lockPath = lockPathFor(path)
  const found = await pullTargets(loaded.fleet, {
    names: options.models,
    lock: readLock(lockPath),
    hub,
    locate: (p) => locate(source, p),
    cacheDirFlag: options.cacheDir === undefined ? undefined : resolve(options.cwd ?? process.cwd(), options.cacheDir),
    envCacheDir: hubConfig.hubCache,
  })
  if (found.updated.length > 0) {
    writeLock(lockPath, found.lock)
    if (!options.json) io.err(`${paint('dim', `Pinned ${found.updated.join(', ')} in ${lockPathFor(options.file)}`)}\n`)
  }
  const emitLine = lineRenderer(io, options.json)
  for (const d of found.warnings) {
    if (options.json) io.out(`${JSON.stringify({ event: 'diagnostic', ...d })}\n`)
    else io.err(`${renderDiagnostic(d, { text: source.text, snippets: io.isTTY, paint })}\n`)
  }
  for (const p of found.problems) {
    if (options.json) io.out(`${JSON.stringify({ event: 'failed', model: p.model, path: null, message: p.message, hint: p.hint ?? null })}\n`)
    else printError(io, paint, p.message, p.hint)
  }

  // Pre-flight across every model, before the first byte: per cache directory, what is still missing must fit.
  const free = options.freeBytes ?? freeBytes
  if (!offline) {
    const byDir = new Map<string, number>()
    for (const t of found.targets) byDir.set(t.cacheDir, (byDir.get(t.cacheDir) ?? 0) + (await missingBytes(t.facts.weights.files, t.cacheDir, t.facts.repo)))
    for (const [dir, bytes] of byDir)
      await checkFreeSpace(
        dir,
        bytes,
        `fleet pull (${found.targets
          .filter((t) => t.cacheDir === dir)
          .map((t) => t.model.name)
          .join(', ')})`,
        free,
      )
  }

  const outcomes: Outcome[] = []
  const runOne = async (target: PullTarget, onEvent: (event: PullEvent) => void): Promise<PullResult> => {
    const { facts } = target
    try {
      const result = await pullModel(
        { repo: facts.repo, commit: facts.commit as string, revision: facts.revision, files: facts.weights.files, model: target.model.name },
        {
          ...options.tuning,
          // Offline, nothing is fetched: what is cached gets its snapshot links, what is not fails saying why.
          hub,
          offlineReason: options.offline ? '--offline' : 'HF_HUB_OFFLINE is set',
          cacheDir: target.cacheDir,
          onEvent,
          verify: options.verify === true,
          token: hubConfig.token,
          freeBytes: free,
        },
      )
      outcomes.push({ target, result })
      return result
    } catch (error) {
      if (!(error instanceof UserError)) throw error
      // Reported with the summary; for listr the model's rows fail with it.
      outcomes.push({ target, error })
      throw error
    }
  }

  if (io.isTTY && !options.json && found.targets.length > 0) {
    await runWithListr(
      found.targets.map((t) => ({
        name: t.model.name,
        title: `${t.model.name}  ${t.facts.repo}@${(t.facts.commit ?? '').slice(0, 12)}`,
        paths: t.facts.weights.files.map((f) => f.path),
        run: (onEvent) => runOne(t, onEvent),
      })),
      options.listr,
    )
  } else {
    for (const target of found.targets)
      await runOne(target, emitLine).catch((error: unknown) => {
        if (!(error instanceof UserError)) throw error
      })
  }
  return report(io, paint, options.json, outcomes, found.problems.length)
}

function report(io: Io, paint: ReturnType<typeof styler>, json: boolean, outcomes: readonly Outcome[], problems: number): number {
  const ok = problems === 0 && outcomes.every((o) => 'result' in o && o.result.ok)
  if (json) {
    const models = outcomes.map((o) =>
      'result' in o
        ? {
            name: o.target.model.name,
            repo: o.result.repo,
            commit: o.result.commit,
            snapshot: o.result.snapshot,
            ok: o.result.ok,
            downloadedBytes: o.result.downloadedBytes,
            files: o.result.files.map((f) => ({ path: f.path, status: f.status, bytes: f.bytes, error: f.error?.message ?? null })),
          }
        : { name: o.target.model.name, repo: o.target.facts.repo, commit: o.target.facts.commit, snapshot: null, ok: false, downloadedBytes: 0, files: [], error: o.error.message },
    )
    io.out(`${JSON.stringify({ event: 'summary', ok, models })}\n`)
    return ok ? 0 : 1
  }
  for (const o of outcomes) {
    if (!('result' in o)) {
      printError(io, paint, `${o.target.model.name}: ${o.error.message}`, o.error.hint)
      continue
    }
    const { result } = o
    const count = (status: string): number => result.files.filter((f) => f.status === status).length
    const mark = result.ok ? paint('green', '✓') : paint('red', '✗')
    io.out(
      `${mark} ${o.target.model.name}  ${count('downloaded')} downloaded (${formatBytes(result.downloadedBytes)}), ${count('cached')} already cached${result.ok ? `  → ${result.snapshot}` : `, ${count('failed')} failed`}\n`,
    )
    for (const f of result.files) if (f.error) printError(io, paint, `${o.target.model.name}: ${f.error.message}`, f.error.hint)
  }
  return ok ? 0 : 1
}

function printError(io: Io, paint: ReturnType<typeof styler>, message: string, hint: string | undefined): void {
  io.err(`${paint('red', 'error')} ${message}\n`)
  if (hint) io.err(`  ${paint('dim', 'hint:')} ${hint}\n`)
}
