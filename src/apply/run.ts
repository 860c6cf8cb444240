/**
 * The apply orchestration: executes the changes of a plan document on this machine, in order — engines apply installs
 * itself, then machine-level changes (the GPU wired limit the budget assumed), then deployments (deletes first, as the
 * plan lists them). One deployment's failure is recorded and the others still get their turn; an interrupt (the
 * signal) stops starting new work, lets the change in flight roll itself back, and reports what was not done.
 * UI-free: progress goes through callbacks (conventions §9), effects through ports.
 */
import { InternalError, UserError } from '../errors.ts'
import type { Change, ChangeStep, PlanDocument } from '../plan/types.ts'
import { applyChange, type ApplyPorts, type StepEvent } from './apply.ts'

export interface Failure {
  readonly deployment: string
  readonly message: string
  readonly hint: string | null
}

export interface ApplyDeps {
  readonly ports: ApplyPorts
  /** Engines to install before anything starts (pinned Python environments apply creates), with a label for progress. */
  readonly engines: readonly { readonly what: string; install(signal?: AbortSignal): Promise<void> }[]
  /** Runs the privileged commands of a wired-limit step, after confirmation. Throws UserError when declined or failed. */
  wiredLimit(step: Extract<ChangeStep, { step: 'wiredLimit' }>, change: Change): Promise<void>
}

export interface ApplyCallbacks {
  onMessage?(text: string): void
  onChangeStart?(change: Change): void
  onEvent?(change: Change, event: StepEvent): void
  onChangeEnd?(change: Change, outcome: 'done' | 'failed'): void
  /**
   * Runs the deployment changes, so a UI (listr2) can own how they are shown; defaults to one after the other.
   * `run` resolves true when the change was applied.
   */
  runDeployments?(changes: readonly Change[], run: (change: Change, emit: (event: StepEvent) => void) => Promise<boolean>): Promise<void>
}

export interface ApplyResult {
  readonly applied: readonly Change[]
  readonly failed: readonly Failure[]
  /** The signal fired: some changes were not attempted (they are listed in `skipped`). */
  readonly interrupted: boolean
  readonly skipped: readonly Change[]
}

/**
 * Any error becomes that deployment's failure, so the others still get their turn. A UserError keeps its own message
 * and hint (disk full, permissions, network); anything else is a bug in fleet and says so, with its stack.
 */
export function failureOf(deployment: string, error: unknown): Failure {
  if (error instanceof UserError) return { deployment, message: error.message, hint: error.hint ?? null }
  const bug = error instanceof Error ? error : new InternalError(String(error))
  return { deployment, message: `internal error: ${bug.message}\n${bug.stack ?? ''}`.trimEnd(), hint: 'This is a bug in fleet. Please file an issue with the command you ran and this output' }
}

export async function applyPlan(plan: PlanDocument, selected: readonly Change[], deps: ApplyDeps, callbacks: ApplyCallbacks = {}, signal?: AbortSignal): Promise<ApplyResult> {
  if (selected.some((c) => !plan.changes.includes(c))) throw new InternalError('applyPlan was given a change that is not in the plan')
  const failures: Failure[] = []
  const applied: Change[] = []
  const attempted = new Set<Change>()
  const say = (text: string): void => callbacks.onMessage?.(text)
  const interrupted = (): boolean => signal?.aborted === true

  for (const engine of deps.engines) {
    if (interrupted()) break
    say(`installing ${engine.what}\n`)
    await engine.install(signal)
  }

  // Machine-level changes first: the plan's budget assumed the declared wired limit.
  let machineFailed = false
  for (const change of selected.filter((c) => c.kind === 'machine')) {
    if (interrupted()) break
    attempted.add(change)
    try {
      for (const step of change.steps) if (step.step === 'wiredLimit') await deps.wiredLimit(step, change)
      applied.push(change)
    } catch (error) {
      machineFailed = true
      failures.push(failureOf(change.name, error))
    }
  }

  const deployments = selected.filter((c) => c.kind === 'deployment')
  if (machineFailed && deployments.length > 0) {
    // The deployments were sized against the declared limit: starting them under the old one risks swapping.
    for (const c of deployments) {
      attempted.add(c)
      failures.push({ deployment: c.name, message: 'not applied: the GPU wired limit it was planned with is not in force', hint: 'Apply the wired limit first (fleet apply --yes, or answer y)' })
    }
  } else {
    const run = async (change: Change, emit: (event: StepEvent) => void): Promise<boolean> => {
      if (interrupted()) return false
      attempted.add(change)
      callbacks.onChangeStart?.(change)
      try {
        await applyChange(change, deps.ports, emit, signal)
        applied.push(change)
        callbacks.onChangeEnd?.(change, 'done')
        return true
      } catch (error) {
        failures.push(failureOf(change.name, error))
        callbacks.onChangeEnd?.(change, 'failed')
        return false
      }
    }
    if (callbacks.runDeployments) await callbacks.runDeployments(deployments, run)
    else for (const change of deployments) await run(change, (event) => callbacks.onEvent?.(change, event))
  }
  return { applied, failed: failures, interrupted: interrupted(), skipped: selected.filter((c) => !attempted.has(c)) }
}
