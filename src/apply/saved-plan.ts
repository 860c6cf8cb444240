/** `fleet apply PLANFILE`: a saved plan may be applied only while the machine and the wish are exactly as it saw them. */
import { readFileSync } from 'node:fs'
import { UserError } from '../errors.ts'
import { PLAN_VERSION, type PlanDocument } from '../plan/types.ts'
import { stableStringify } from '../util/stable-json.ts'

/** Reads a saved plan and checks it is one (a JSON object of this plan version). */
export function readSavedPlan(path: string): PlanDocument {
  let saved: PlanDocument
  try {
    saved = JSON.parse(readFileSync(path, 'utf8')) as PlanDocument
  } catch (error) {
    throw new UserError(`cannot read the saved plan ${path}: ${(error as Error).message}`, { hint: 'Save one with fleet plan --out FILE' })
  }
  if (typeof saved !== 'object' || saved === null || Array.isArray(saved)) throw new UserError(`${path} is not a saved plan`, { hint: 'Save one with fleet plan --out FILE' })
  if (saved.version !== PLAN_VERSION)
    throw new UserError(`invalid plan file version: expected ${String(PLAN_VERSION)}, received ${JSON.stringify(saved.version)}`, { hint: 'Save a new plan with this fleet: fleet plan --out FILE' })
  return saved
}

/**
 * One machine's part of a saved plan: its observation and its changes. Each machine checks its own part against what
 * it observes now, so a plan of several machines is applied machine by machine as it was approved.
 */
export function savedPlanFor(saved: PlanDocument, machine: string): PlanDocument {
  const observations = Array.isArray(saved.observations) ? saved.observations : saved.observation ? [saved.observation] : []
  const observation = observations.find((o) => o?.machine === machine) ?? null
  const changes = Array.isArray(saved.changes) ? saved.changes.filter((c) => c?.machine === machine) : []
  return { ...saved, observation, observations: observation ? [observation] : [], changes }
}

/** `current` is this machine's plan now; the saved plan is judged by its part for this machine. */
export function checkSavedPlan(path: string, current: PlanDocument): void {
  const saved = savedPlanFor(readSavedPlan(path), current.observation?.machine ?? '')
  if (saved.observation === null || saved.observation.fingerprint !== current.observation?.fingerprint) {
    throw new UserError('the saved plan is stale: the machine or fleet.yaml changed since it was made', { hint: 'Run fleet plan --out FILE again, review it, and apply that' })
  }
  // Same machine, same wish: the changes must then be exactly the ones planned now, or the file was edited.
  const differs = changeList(saved).findIndex((c, i) => c !== changeList(current)[i])
  if (differs >= 0 || changeList(saved).length !== changeList(current).length) {
    const name = Array.isArray(saved.changes) ? (saved.changes[differs]?.name ?? '(missing)') : '(none)'
    throw new UserError(`the saved plan's changes are not the ones fleet.yaml and this machine imply (first difference: ${name}); it was edited or made by another fleet`, {
      hint: 'Apply only plans saved by fleet plan --out, unedited; run it again to get a fresh one',
    })
  }
}

/** Each change as canonical JSON, to compare a saved plan with the current one. */
function changeList(plan: PlanDocument): string[] {
  return Array.isArray(plan.changes) ? plan.changes.map((c) => stableStringify(c)) : []
}
