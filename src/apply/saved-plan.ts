/** `fleet apply PLANFILE`: a saved plan may be applied only while the machine and the wish are exactly as it saw them. */
import { readFileSync } from 'node:fs'
import { UserError } from '../errors.ts'
import { PLAN_VERSION, type PlanDocument } from '../plan/types.ts'

export function checkSavedPlan(path: string, current: PlanDocument): void {
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
