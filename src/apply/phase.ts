/**
 * A deployment across machines is applied in two rounds: first every machine's own changes and the ranks' parts (each
 * rank pulls the model into its cache), then the heads, whose launcher starts the ranks. Pure.
 */
import type { Change } from '../plan/types.ts'

/** all: everything (one machine alone); parts: all but the heads of deployments across machines; heads: only those. */
export type ApplyPhase = 'all' | 'parts' | 'heads'

export const APPLY_PHASES = ['all', 'parts', 'heads'] as const satisfies readonly ApplyPhase[]

export function inPhase(change: Change, phase: ApplyPhase): boolean {
  const head = change.rank?.role === 'head'
  return phase === 'all' || (phase === 'heads' ? head : !head)
}
