/**
 * `fleet apply [PLANFILE]`: reach the declared state on this machine. Plans first (or takes a saved plan, refused when
 * the machine changed since), then for each change: pull, write the service, (re)start, wait until it answers, warm up.
 * One deployment's failure rolls that deployment back and leaves the others alone. Unchanged fleets do nothing.
 */
import { mkdirSync, readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { Listr } from 'listr2'
import { applyChange, type StepEvent } from '../apply/apply.ts'
import { applyPorts } from '../apply/ports.ts'
import { localRuntime, type LocalRuntime } from '../apply/runtime.ts'
import { stateFromObservation, writeApplyState } from '../apply/state.ts'
import { surveyLocal, type Survey } from '../apply/survey.ts'
import { installPythonEngine } from '../engines/runtime/executable.ts'
import { UserError } from '../errors.ts'
import { assemblePlan } from '../plan/assemble.ts'
import { PLAN_VERSION, type Change, type PlanDocument } from '../plan/types.ts'
import { tryLock } from '../pull/lock.ts'
import { styler, type Io } from '../ui/io.ts'
import { renderPlan } from '../ui/plan-view.ts'
import { prepare, type Prepared } from './prepare.ts'
import { didYouMean } from '../util/did-you-mean.ts'
import { commandsFor, runPrivileged } from '../apply/wired-limit.ts'
import { createInterface } from 'node:readline/promises'

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
}

const SYMBOL = { create: '+', update: '~', replace: '-/+', delete: '-', noop: ' ' } as const

export async function apply(options: ApplyOptions, io: Io): Promise<number> {
  const paint = styler(io.color)
  const prepared = await prepare(options, io)
  if (!prepared) return 1
  const runtime = await requireRuntime(prepared, io, options.machine)

  // Only one apply at a time on a machine: two would race on the same services.
  mkdirSync(runtime.context.stateRoot, { recursive: true })
  const held = await tryLock(join(runtime.context.stateRoot, 'apply.lock'))
  if (!('release' in held)) {
    throw new UserError(`another fleet apply is running (pid ${held.pid} on ${held.host}, since ${held.since})`, { hint: 'Wait for it to finish; if it died, run fleet apply again — a dead owner\'s lock is taken over' })
  }
  try {
    // Progress goes to stderr under --json, so stdout stays one JSON document.
    const say = (text: string): void => (options.json ? io.err(text) : io.out(text))
    const survey = await surveyLocal(prepared.fleet, prepared.resolved.facts, runtime, prepared.where)
    const document = assemblePlan({
      fleet: prepared.fleet,
      facts: prepared.resolved.facts,
      diagnostics: [...prepared.loaded.diagnostics, ...prepared.resolved.diagnostics, ...survey.diagnostics],
      disk: survey.disk,
      locate: prepared.where,
      now: new Date(),
      changes: survey.changes,
      observation: survey.observation,
    })
    // Before anything is changed: a stale saved plan, an invalid plan, or a target that names nothing.
    if (options.planFile !== undefined) checkSavedPlan(resolve(options.cwd ?? process.cwd(), options.planFile), document)
    if (document.summary.errors > 0) {
      say(`${renderPlan(document, { paint, text: prepared.source.text, snippets: io.isTTY }).join('\n')}\n`)
      io.err(`${paint('red', 'Apply refused:')} the plan has errors; nothing was changed.\n`)
      return 1
    }
    checkTargets(options.targets, prepared, runtime, survey)
    const selected = survey.changes.filter((c) => c.action !== 'noop' && (options.targets.length === 0 || options.targets.includes(c.name) || options.targets.includes(c.machine)))
    if (selected.length === 0) {
      writeApplyState(runtime.context.stateRoot, stateFromObservation(survey.observed))
      report(io, options.json, { applied: [], failed: [], message: `No changes. ${runtime.machine.name} matches ${options.file}.` })
      return 0
    }
    if (options.dryRun) {
      for (const c of selected) say(`${SYMBOL[c.action]} ${c.name}: ${c.reasons.join('; ')}\n`)
      say(`Dry run: ${selected.length} change${selected.length === 1 ? '' : 's'} would be applied on ${runtime.machine.name}; nothing was changed.\n`)
      return 0
    }
    // Engines apply installs itself (pinned Python environments), now that the plan is accepted.
    for (const missing of runtime.missingEngines.filter((m) => m.installable)) {
      const source = missing.engine === 'command' ? undefined : prepared.fleet.engines[missing.engine]
      if (source?.kind !== 'python') continue
      say(`installing ${source.requirement} for ${missing.engine}\n`)
      await installPythonEngine(source, runtime.context.stateRoot)
    }
    // Machine-level changes first: the plan's budget assumed the declared wired limit.
    const failures: Failure[] = []
    for (const change of selected.filter((c) => c.kind === 'machine')) {
      say(`${SYMBOL[change.action]} ${change.machine} ${change.name}: ${change.reasons.join('; ')}\n`)
      try {
        await runPrivileged(commandsFor(change, runtime.machine), async (shown) => {
          say(`fleet will run:\n${shown}\n`)
          if (options.yes) return true
          return io.isTTY ? (options.ask ?? askOnTerminal)('Run these commands with sudo? [y/N] ') : false
        })
      } catch (error) {
        failures.push(failureOf(change.name, error))
      }
    }
    const deploymentChanges = selected.filter((c) => c.kind === 'deployment')
    if (failures.length > 0 && deploymentChanges.length > 0) {
      // The deployments were sized against the declared limit: starting them under the old one risks swapping.
      for (const c of deploymentChanges) failures.push({ deployment: c.name, message: 'not applied: the GPU wired limit it was planned with is not in force', hint: 'Apply the wired limit first (fleet apply --yes, or answer y)' })
    } else {
      failures.push(...(await execute(deploymentChanges, withTimeout(survey, options.readyTimeoutSeconds), runtime, prepared, io.isTTY && !options.json, say)))
    }
    for (const f of failures) io.err(`${paint('red', 'error')} ${f.deployment}: ${f.message}\n${f.hint ? `  hint: ${f.hint}\n` : ''}`)
    // Record what is installed now, read back from the machine.
    const after = await surveyLocal(prepared.fleet, prepared.resolved.facts, runtime, prepared.where)
    writeApplyState(runtime.context.stateRoot, stateFromObservation(after.observed))
    const applied = selected.filter((c) => !failures.some((f) => f.deployment === c.name))
    const count = (actions: Change['action'][]): number => applied.filter((c) => actions.includes(c.action)).length
    const summary = `${count(['create', 'replace'])} added, ${count(['update'])} changed, ${count(['delete', 'replace'])} destroyed`
    report(io, options.json, {
      applied: applied.map((c) => ({ name: c.name, action: c.action })),
      failed: failures,
      message: failures.length === 0 ? `${paint('green', 'Apply complete!')} ${summary}.` : `${paint('red', 'Apply finished with errors:')} ${summary}; ${failures.length} failed (${failures.map((f) => f.deployment).join(', ')}).`,
    })
    return failures.length === 0 ? 0 : 1
  } finally {
    await held.release()
  }
}

/** A --target must name something: a deployment, an installed fleet service, this machine, or its wired limit. */
function checkTargets(targets: readonly string[], prepared: Prepared, runtime: LocalRuntime, survey: Survey): void {
  const known = new Set([
    ...prepared.fleet.deployments.map((d) => d.name),
    ...[...survey.observed.services.values()].flatMap((o) => (o.installed ? [o.installed.deployment] : [])),
    runtime.machine.name,
    'wired-limit',
  ])
  for (const target of targets) {
    if (!known.has(target)) throw new UserError(`--target ${target} names no deployment or machine`, { hint: `${didYouMean(target, known)} Targets: ${[...known].join(', ')}`.trim() })
  }
}

function withTimeout(survey: Survey, seconds: number | undefined): Survey {
  if (seconds === undefined) return survey
  return { ...survey, desired: survey.desired.map((d) => ({ ...d, readinessTimeoutMs: seconds * 1000 })) }
}

async function requireRuntime(prepared: Prepared, io: Io, machine: string | undefined): Promise<LocalRuntime> {
  const runtime = await localRuntime(prepared.fleet, io.env, machine === undefined ? {} : { machine })
  if (!runtime) {
    throw new UserError(`no machine in ${prepared.fleet.file} is this one`, {
      hint: process.platform === 'darwin' ? 'Leave host: unset on the machine you run apply on, or pass --machine NAME' : 'On a machine without launchd, set serviceManager: process on it (or pass --machine NAME)',
    })
  }
  return runtime
}

/** A saved plan may be applied only while the machine and the wish are exactly as the plan saw them. */
function checkSavedPlan(path: string, current: PlanDocument): void {
  let saved: PlanDocument
  try {
    saved = JSON.parse(readFileSync(path, 'utf8')) as PlanDocument
  } catch (error) {
    throw new UserError(`cannot read the saved plan ${path}: ${(error as Error).message}`, { hint: 'Save one with fleet plan --out FILE' })
  }
  if (typeof saved !== 'object' || saved === null || Array.isArray(saved)) throw new UserError(`${path} is not a saved plan`, { hint: 'Save one with fleet plan --out FILE' })
  if (saved.version !== PLAN_VERSION) throw new UserError(`invalid plan file version: expected ${PLAN_VERSION}, received ${String(saved.version)}`, { hint: 'Save a new plan with this fleet: fleet plan --out FILE' })
  if (saved.observation?.fingerprint !== current.observation?.fingerprint) {
    throw new UserError('the saved plan is stale: the machine or fleet.yaml changed since it was made', { hint: 'Run fleet plan --out FILE again, review it, and apply that' })
  }
}

interface Failure {
  readonly deployment: string
  readonly message: string
  readonly hint: string | null
}

/** Any error becomes that deployment's failure: the others still get their turn. */
function failureOf(deployment: string, error: unknown): Failure {
  if (error instanceof UserError) return { deployment, message: error.message, hint: error.hint ?? null }
  const message = error instanceof Error ? error.message : String(error)
  return { deployment, message: `unexpected error: ${message}`, hint: 'This may be a bug in fleet; please report it with the output of fleet apply' }
}

async function execute(changes: readonly Change[], survey: Survey, runtime: LocalRuntime, prepared: Prepared, useListr: boolean, say: (text: string) => void): Promise<Failure[]> {
  const ports = applyPorts(runtime, prepared.hub)
  const failures: Failure[] = []
  const desiredOf = (name: string) => survey.desired.find((d) => d.deployment.name === name)
  const observedOf = (name: string) => [...survey.observed.services.values()].find((o) => o.installed?.deployment === name || o.label === `dev.fleet.${name}`)
  const run = async (change: Change, emit: (event: StepEvent) => void): Promise<boolean> => {
    try {
      await applyChange(change, desiredOf(change.name), observedOf(change.name), ports, emit)
      return true
    } catch (error) {
      failures.push(failureOf(change.name, error))
      return false
    }
  }
  if (useListr) {
    const list = new Listr(
      changes.map((change) => ({
        title: `${SYMBOL[change.action]} ${change.name} (${change.reasons.join('; ')})`,
        task: async (_ctx: unknown, task: { output: string }) => {
          if (!(await run(change, (event) => void (task.output = event.message)))) throw new Error(failures.at(-1)?.message ?? 'failed')
        },
      })),
      { concurrent: false, exitOnError: false, registerSignalListeners: false, rendererOptions: { collapseErrors: false } },
    )
    await list.run().catch(() => {})
  } else {
    for (const change of changes) {
      say(`${SYMBOL[change.action]} ${change.name}: ${change.reasons.join('; ')}\n`)
      const ok = await run(change, (event) => say(`  ${change.name} ${event.step}: ${event.message}\n`))
      say(`  ${change.name}: ${ok ? 'done' : 'failed'}\n`)
    }
  }
  return failures
}

function report(io: Io, json: boolean, result: { applied: { name: string; action: string }[]; failed: Failure[]; message: string }): void {
  if (json) io.out(`${JSON.stringify({ version: 1, applied: result.applied, failed: result.failed }, null, 2)}\n`)
  else io.out(`${result.message}\n`)
}
