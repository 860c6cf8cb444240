/**
 * `fleet lock [model…] [--update]`: pin every model's source to a commit and record the files the engine loads (path,
 * size, the Hub's content hash) and the sizing facts in fleet.lock. Pinned models stay pinned unless named with
 * --update (or all, with --update alone); entries for models fleet.yaml no longer declares are removed.
 */
import { resolve } from 'node:path'
import { hasErrors } from '../config/diagnostics.ts'
import { loadFleet } from '../config/load.ts'
import { locate } from '../config/source.ts'
import { UserError } from '../errors.ts'
import { HubClient } from '../hub/client.ts'
import { resolveHubConfig } from '../hub/config.ts'
import { lockPathFor, readLock, staleEntries, withoutModels, writeLock } from '../resolve/lock.ts'
import { resolveModels } from '../resolve/resolve.ts'
import { renderDiagnostic, summarize } from '../ui/diagnostics.ts'
import { styler, type Io } from '../ui/io.ts'
import { formatTable } from '../ui/table.ts'
import { didYouMean } from '../util/did-you-mean.ts'

export interface LockOptions {
  readonly file: string
  readonly models: readonly string[]
  readonly update: boolean
  readonly json: boolean
  readonly cwd?: string
}

export async function lock(options: LockOptions, io: Io): Promise<number> {
  const path = resolve(options.cwd ?? process.cwd(), options.file)
  const paint = styler(io.color)
  const loaded = loadFleet(path, options.file)
  const printDiagnostics = (diagnostics: typeof loaded.diagnostics): void => {
    for (const d of diagnostics) io.err(`${renderDiagnostic(d, { text: loaded.source?.text, snippets: io.isTTY, paint })}\n`)
  }
  if (hasErrors(loaded.diagnostics) || !loaded.fleet || !loaded.source) {
    printDiagnostics(loaded.diagnostics)
    io.err(`${options.file}: ${summarize(loaded.diagnostics)}\n`)
    return 1
  }
  const fleet = loaded.fleet
  const names = fleet.models.map((m) => m.name)
  for (const name of options.models) {
    if (!names.includes(name)) throw new UserError(`model "${name}" is not declared in ${options.file}`, { hint: `${didYouMean(name, names) || ''} Declared models: ${names.join(', ')}`.trim() })
  }
  const hubConfig = resolveHubConfig(io.env)
  if (hubConfig.offline) throw new UserError('fleet lock needs the Hub, but HF_HUB_OFFLINE is set', { hint: 'Unset HF_HUB_OFFLINE (or point HF_ENDPOINT at a mirror) and run fleet lock again' })
  const lockPath = lockPathFor(path)
  const before = readLock(lockPath)
  const source = loaded.source
  const update = options.update ? new Set(options.models.length > 0 ? options.models : names) : undefined
  const resolved = await resolveModels(fleet, {
    lock: before,
    hub: HubClient.fromConfig(hubConfig),
    locate: (p) => locate(source, p),
    all: true,
    ...(update ? { update } : {}),
  })
  // Stale entries are the lock command's to remove; its diagnostic is for plan.
  const stale = staleEntries(resolved.lock, names)
  const diagnostics = resolved.diagnostics.filter((d) => d.code !== 'lock-stale')
  // Catalog facts have no commit and no files: a lock entry must come from the Hub.
  for (const [name, facts] of resolved.facts) {
    if (facts.source === 'catalog') {
      const pos = locate(source, ['models', name, 'source'])
      diagnostics.push({
        file: fleet.file,
        line: pos.line,
        column: pos.column,
        path: `models.${name}.source`,
        severity: 'error',
        code: 'not-locked',
        message: `model ${name} could not be pinned: the Hub was not reachable`,
        hint: 'Run fleet lock again with network access',
      })
    }
  }
  const after = withoutModels(resolved.lock, stale)
  const changed = resolved.updated.length > 0 || stale.length > 0
  if (changed) writeLock(lockPath, after)

  const rows = fleet.models.map((m) => {
    const entry = after.models[m.name]
    const status = resolved.updated.includes(m.name) ? (before.models[m.name] ? 'updated' : 'pinned') : entry ? 'unchanged' : 'not pinned'
    const files = entry?.facts.weights.files ?? []
    return { name: m.name, repo: m.source.repo, revision: m.source.revision, commit: entry?.facts.commit ?? null, files: files.length, bytes: files.reduce((s, f) => s + f.bytes, 0), status }
  })
  const failed = hasErrors(diagnostics)
  if (options.json) {
    io.out(`${JSON.stringify({ version: 1, lockFile: lockPathFor(options.file), models: rows, removed: stale, diagnostics }, null, 2)}\n`)
    return failed ? 1 : 0
  }
  printDiagnostics(diagnostics)
  const table = formatTable(
    [['model', 'repo', 'commit', 'files', 'size', 'status'], ...rows.map((r) => [r.name, r.repo, r.commit?.slice(0, 12) ?? '—', String(r.files), `${(r.bytes / 2 ** 30).toFixed(2)} GiB`, r.status])],
    ['left', 'left', 'left', 'right', 'right', 'left'],
  )
  io.out(`${paint('dim', table[0]!)}\n${table.slice(1).join('\n')}\n`)
  if (stale.length > 0) io.out(`removed from the lock: ${stale.join(', ')}\n`)
  io.out(changed ? `${paint('green', '✓')} wrote ${lockPathFor(options.file)}\n` : `${lockPathFor(options.file)} is up to date\n`)
  return failed ? 1 : 0
}
