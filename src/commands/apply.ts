/**
 * `fleet apply [PLANFILE]`: reach the declared state on this machine. Plans (the same getPlan as `fleet plan`; a saved
 * plan is refused when the machine changed since), shows what changes, then hands the plan document to the apply
 * orchestration (src/apply/run.ts). This layer only chooses adapters, asks, renders progress and handles Ctrl-C:
 * SIGINT/SIGTERM stop new work, the change in flight rolls back, the lock is released, and the exit code is 130.
 */
import { mkdirSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { createInterface } from 'node:readline/promises'
import { Listr } from 'listr2'
import { inPhase, type ApplyPhase } from '../apply/phase.ts'
import { applyPorts } from '../apply/ports.ts'
import { applyPlan, type ApplyDeps, type ApplyResult, type Failure } from '../apply/run.ts'
import { checkSavedPlan } from '../apply/saved-plan.ts'
import { recordApplyState } from '../apply/state.ts'
import { commandsFor, runPrivileged } from '../apply/wired-limit.ts'
import { installPythonEngine } from '../engines/runtime/executable.ts'
import { UserError } from '../errors.ts'
import { localRuntime, type LocalRuntime } from '../observe/local.ts'
import { WIRED_LIMIT_RESOURCE } from '../plan/diff.ts'
import type { Change, PlanDocument } from '../plan/types.ts'
import { tryLock } from '../pull/lock.ts'
import { styler, type Io } from '../ui/io.ts'
import { renderPlan } from '../ui/plan-view.ts'
import { didYouMean } from '../util/did-you-mean.ts'
import { getPlan } from './get-plan.ts'
import { prepare, type Prepared } from './prepare.ts'

async function askOnTerminal(question: string): Promise<boolean> {
  const rl = createInterface({ input: process.stdin, output: process.stdout })
  try {
    return /^y(es)?$/i.test((await rl.question(question)).trim())
  } finally {
    rl.close()
  }
}

export interface ApplyOptions {
  readonly file: string
  readonly planFile?: string
  readonly targets: readonly string[]
  readonly dryRun: boolean
  readonly json: boolean
  readonly offline: boolean
  readonly machine?: string
  readonly cwd?: string
  /** Overrides every deployment's readiness timeout (seconds). */
  readonly readyTimeoutSeconds?: number
  /** Run privileged machine changes (the GPU wired limit) without asking. */
  readonly yes?: boolean
  /** Asks a yes/no question on the terminal; injectable for tests. */
  readonly ask?: (question: string) => Promise<boolean>
  /** Aborts the apply (Ctrl-C); by default SIGINT and SIGTERM of this process. */
  readonly signal?: AbortSignal
  /** Which changes of a deployment across machines this run makes (src/apply/phase.ts); default all. */
  readonly phase?: ApplyPhase
}

/** The exit code of a process interrupted by SIGINT (128 + 2), as shells report it. */
export const INTERRUPTED_EXIT_CODE = 130

const SYMBOL = { create: '+', update: '~', replace: '-/+', delete: '-', noop: ' ' } as const

/** SIGINT/SIGTERM become an abort signal while apply runs, instead of killing fleet mid-change. */
export function interruptSignal(): { signal: AbortSignal; dispose: () => void } {
  const controller = new AbortController()
  const onSignal = (): void => controller.abort(new Error('interrupted'))
  process.on('SIGINT', onSignal)
  process.on('SIGTERM', onSignal)
  return { signal: controller.signal, dispose: () => (process.off('SIGINT', onSignal), process.off('SIGTERM', onSignal)) }
}

/** apply on this machine alone (the machine `options.machine` names, else the one without host:). */
export async function applyHere(options: ApplyOptions, io: Io): Promise<number> {
  const paint = styler(io.color)
  const prepared = await prepare(options, io)
  if (!prepared) return 1
  const runtime = await requireRuntime(prepared, io, options.machine)

  // Only one apply at a time on a machine: two would race on the same services.
  mkdirSync(runtime.context.stateRoot, { recursive: true })
  const held = await tryLock(join(runtime.context.stateRoot, 'apply.lock'))
  if (!('release' in held)) {
    throw new UserError(`another fleet apply is running (pid ${held.pid} on ${held.host}, since ${held.since})`, {
      hint: "Wait for it to finish; if it died, run fleet apply again — a dead owner's lock is taken over",
    })
  }
  const interrupt = options.signal ? { signal: options.signal, dispose: () => {} } : interruptSignal()
  try {
    // Progress goes to stderr under --json, so stdout stays one JSON document.
    const say = (text: string): void => (options.json ? io.err(text) : io.out(text))
    const { document } = await getPlan(prepared, runtime, { now: new Date() })
    // Before anything is changed: a stale saved plan, an invalid plan, or a target that names nothing.
    if (options.planFile !== undefined) checkSavedPlan(resolve(options.cwd ?? process.cwd(), options.planFile), document)
    if (document.summary.errors > 0) {
      say(`${renderPlan(document, { paint, text: prepared.source.text, snippets: io.isTTY }).join('\n')}\n`)
      io.err(`${paint('red', 'Apply refused:')} the plan has errors; nothing was changed.\n`)
      return 1
    }
    checkTargets(options.targets, prepared, runtime, document)
    const phase = options.phase ?? 'all'
    const selected = document.changes.filter(
      (c) => c.action !== 'noop' && inPhase(c, phase) && (options.targets.length === 0 || options.targets.includes(c.name) || options.targets.includes(c.machine)),
    )
    if (selected.length === 0) {
      await recordApplyState(runtime.context.stateRoot, runtime.machine.name, runtime.backend)
      report(io, options.json, { applied: [], failed: [], message: `No changes. ${runtime.machine.name} matches ${options.file}.` })
      return 0
    }
    if (options.dryRun) {
      for (const c of selected) say(`${SYMBOL[c.action]} ${c.name}: ${c.reasons.join('; ')}\n`)
      say(`Dry run: ${selected.length} change${selected.length === 1 ? '' : 's'} would be applied on ${runtime.machine.name}; nothing was changed.\n`)
      return 0
    }
    const plan = withTimeout(document, options.readyTimeoutSeconds)
    const result = await applyPlan(
      plan,
      selected.map((c) => plan.changes[document.changes.indexOf(c)]!),
      deps(runtime, prepared, options, io, say),
      callbacks(io.isTTY && !options.json, say),
      interrupt.signal,
    )
    for (const f of result.failed) io.err(`${paint('red', 'error')} ${f.deployment}: ${f.message}\n${f.hint ? `  hint: ${f.hint}\n` : ''}`)
    // Record what is installed now, read back from the machine.
    await recordApplyState(runtime.context.stateRoot, runtime.machine.name, runtime.backend)
    return finish(io, options.json, paint, result)
  } finally {
    interrupt.dispose()
    await held.release()
  }
}

function deps(runtime: LocalRuntime, prepared: Prepared, options: ApplyOptions, io: Io, say: (text: string) => void): ApplyDeps {
  // Engines apply installs itself (pinned Python environments), now that the plan is accepted.
  const engines = runtime.context.missingEngines.flatMap((missing) => {
    const source = missing.engine === 'command' || !missing.installable ? undefined : prepared.fleet.engines[missing.engine]
    return source?.kind === 'python'
      ? [
          {
            what: `${source.requirement} for ${missing.engine}`,
            install: async () => {
              await installPythonEngine(source, runtime.context.stateRoot)
            },
          },
        ]
      : []
  })
  return {
    ports: applyPorts(runtime, prepared.hub),
    engines,
    async wiredLimit(step, change) {
      say(`${SYMBOL[change.action]} ${change.machine} ${change.name}: ${change.reasons.join('; ')}\n`)
      await runPrivileged(commandsFor(step), async (shown) => {
        say(`fleet will run:\n${shown}\n`)
        if (options.yes) return true
        return io.isTTY ? (options.ask ?? askOnTerminal)('Run these commands with sudo? [y/N] ') : false
      })
    },
  }
}

function callbacks(useListr: boolean, say: (text: string) => void): Parameters<typeof applyPlan>[3] {
  if (!useListr) {
    return {
      onMessage: say,
      onChangeStart: (change) => say(`${SYMBOL[change.action]} ${change.name}: ${change.reasons.join('; ')}\n`),
      onEvent: (change, event) => say(`  ${change.name} ${event.step}: ${event.message}\n`),
      onChangeEnd: (change, outcome) => say(`  ${change.name}: ${outcome}\n`),
    }
  }
  return {
    onMessage: say,
    async runDeployments(changes, run) {
      const list = new Listr(
        changes.map((change) => ({
          title: `${SYMBOL[change.action]} ${change.name} (${change.reasons.join('; ')})`,
          task: async (_ctx: unknown, task: { output: string }) => {
            if (!(await run(change, (event) => void (task.output = event.message)))) throw new Error(`${change.name} failed`)
          },
        })),
        { concurrent: false, exitOnError: false, registerSignalListeners: false, rendererOptions: { collapseErrors: false } },
      )
      await list.run().catch(() => {})
    },
  }
}

function finish(io: Io, json: boolean, paint: ReturnType<typeof styler>, result: ApplyResult): number {
  const count = (actions: Change['action'][]): number => result.applied.filter((c) => actions.includes(c.action)).length
  const summary = `${count(['create', 'replace'])} added, ${count(['update'])} changed, ${count(['delete', 'replace'])} destroyed`
  const failed = result.failed.map((f) => f.deployment)
  let message: string
  if (result.interrupted)
    message = `${paint('red', 'Apply interrupted:')} ${summary}; ${result.skipped.length} not attempted${result.skipped.length > 0 ? ` (${result.skipped.map((c) => c.name).join(', ')})` : ''}${failed.length > 0 ? `; rolled back ${failed.join(', ')}` : ''}. Run fleet apply again to finish.`
  else if (result.failed.length === 0) message = `${paint('green', 'Apply complete!')} ${summary}.`
  else message = `${paint('red', 'Apply finished with errors:')} ${summary}; ${result.failed.length} failed (${failed.join(', ')}).`
  report(io, json, { applied: result.applied.map((c) => ({ name: c.name, action: c.action })), failed: result.failed, message, ...(result.interrupted ? { interrupted: true } : {}) })
  if (result.interrupted) return INTERRUPTED_EXIT_CODE
  return result.failed.length === 0 ? 0 : 1
}

/** A --target must name something: a deployment, an installed fleet service, this machine, or its wired limit. */
function checkTargets(targets: readonly string[], prepared: Prepared, runtime: LocalRuntime, document: PlanDocument): void {
  const known = new Set([...prepared.fleet.deployments.map((d) => d.name), ...document.changes.map((c) => c.name), runtime.machine.name, WIRED_LIMIT_RESOURCE])
  for (const target of targets) {
    if (!known.has(target)) throw new UserError(`--target ${target} names no deployment or machine`, { hint: `${didYouMean(target, known)} Targets: ${[...known].join(', ')}`.trim() })
  }
}

/** --ready-timeout overrides every service's readiness timeout in the plan apply executes. */
function withTimeout(document: PlanDocument, seconds: number | undefined): PlanDocument {
  if (seconds === undefined) return document
  return { ...document, changes: document.changes.map((c) => (c.service ? { ...c, service: { ...c.service, readinessTimeoutMs: seconds * 1000 } } : c)) }
}

async function requireRuntime(prepared: Prepared, io: Io, machine: string | undefined): Promise<LocalRuntime> {
  const runtime = await localRuntime(prepared.fleet, io.env, machine === undefined ? {} : { machine })
  if (!runtime) {
    throw new UserError(`no machine in ${prepared.fleet.file} is this one`, {
      hint:
        process.platform === 'darwin'
          ? 'Leave host: unset on the machine you run apply on, or pass --machine NAME'
          : 'On a machine without launchd, set serviceManager: process on it (or pass --machine NAME)',
    })
  }
  return runtime
}

function report(io: Io, json: boolean, result: { applied: { name: string; action: string }[]; failed: readonly Failure[]; message: string; interrupted?: boolean }): void {
  if (json) io.out(`${JSON.stringify({ version: 1, applied: result.applied, failed: result.failed, ...(result.interrupted ? { interrupted: true } : {}) }, null, 2)}\n`)
  else io.out(`${result.message}\n`)
}
