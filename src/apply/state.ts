/**
 * The record fleet keeps of what it applied: per service, the definition hash and the model commit. Written
 * atomically; never the source of truth — plan reads the live system — so deleting it loses nothing: the next plan
 * or apply rebuilds it from the installed services.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { stableStringify } from '../util/stable-json.ts'
import type { ServiceBackend } from '../services/types.ts'
import { specHash } from '../util/spec-hash.ts'

export const APPLY_STATE_VERSION = 1

export interface AppliedService {
  readonly deployment: string
  readonly hash: string
  readonly program: string
}

export interface ApplyState {
  readonly version: typeof APPLY_STATE_VERSION
  readonly machine: string
  readonly backend: 'launchd' | 'process'
  readonly services: Readonly<Record<string, AppliedService>>
}

export function applyStatePath(stateRoot: string): string {
  return join(stateRoot, 'apply-state.json')
}

/** What is installed now, read back from the backend (never from what apply meant to do). */
export async function stateFromBackend(machine: string, backend: ServiceBackend): Promise<ApplyState> {
  const services: Record<string, AppliedService> = {}
  for (const label of (await backend.list()).sort()) {
    const installed = await backend.installedSpec(label)
    if (installed) services[label] = { deployment: installed.deployment, hash: specHash(installed), program: installed.program }
  }
  return { version: APPLY_STATE_VERSION, machine, backend: backend.kind, services }
}

/** Records what is installed on the machine now; called by apply and destroy after they changed something. */
export async function recordApplyState(stateRoot: string, machine: string, backend: ServiceBackend): Promise<void> {
  writeApplyState(stateRoot, await stateFromBackend(machine, backend))
}

export function readApplyState(stateRoot: string): ApplyState | null {
  const path = applyStatePath(stateRoot)
  if (!existsSync(path)) return null
  try {
    const parsed = JSON.parse(readFileSync(path, 'utf8')) as ApplyState
    return parsed.version === APPLY_STATE_VERSION ? parsed : null
  } catch {
    // A torn or edited record is rebuilt from the machine, not trusted.
    return null
  }
}

export function writeApplyState(stateRoot: string, state: ApplyState): void {
  mkdirSync(stateRoot, { recursive: true })
  const path = applyStatePath(stateRoot)
  const temp = `${path}.${process.pid}.tmp`
  writeFileSync(temp, `${stableStringify(state)}\n`)
  renameSync(temp, path)
}
