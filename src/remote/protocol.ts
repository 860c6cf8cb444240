/**
 * The one protocol between the control point and a machine with `host:` (docs/remote.md). The control point runs
 * `fleet agent` on the machine over the user's own ssh, writes one request as a JSON line on its stdin and keeps stdin
 * open; the agent answers with JSON lines on stdout. Closing stdin early means "stop" (Ctrl-C at the control point):
 * the agent aborts as a local apply does on SIGINT. Nothing but the program's path and `agent` is on the command line;
 * the fleet file, the lock and the Hub token travel inside the request.
 */
import type { ApplyPhase } from '../apply/phase.ts'
import type { LocalPlanData } from '../plan/local.ts'
import type { PlanDocument } from '../plan/types.ts'

/** Bumped when a request or event changes meaning; the agent refuses another protocol or fleet version. */
export const REMOTE_PROTOCOL = 2

export type AgentOp = 'hello' | 'observe' | 'apply' | 'status' | 'logs' | 'destroy' | 'probe' | 'bench'

export interface AgentRequest {
  readonly protocol: typeof REMOTE_PROTOCOL
  /** The control point's fleet version: the agent must be the same one. */
  readonly fleetVersion: string
  readonly op: AgentOp
  /** Which declared machine the agent's side is. */
  readonly machine: string
  /** fleet.yaml and fleet.lock as the control point read them (absent for hello). */
  readonly fleet?: { readonly name: string; readonly text: string; readonly lock: string | null; readonly probe?: string | null; readonly calibration?: string | null }
  /** Hub settings of the control point (HF_ENDPOINT, HF_TOKEN): set in the agent's own environment only. */
  readonly env: Readonly<Record<string, string>>
  readonly args: AgentArgs
}

export interface AgentArgs {
  readonly offline?: boolean
  readonly targets?: readonly string[]
  readonly yes?: boolean
  readonly dryRun?: boolean
  readonly readyTimeoutSeconds?: number
  /** apply across machines: the ranks' parts first, then the heads (src/commands/apply-fleet.ts). */
  readonly phase?: ApplyPhase
  /** apply PLANFILE: the saved plan, narrowed to this machine. */
  readonly savedPlan?: PlanDocument
  readonly deployment?: string
  readonly follow?: boolean
  readonly lines?: number
  readonly purge?: boolean
  /** bench: which deployments, and how (src/commands/bench.ts). */
  readonly bench?: { readonly deployments: readonly string[]; readonly repetitions: number; readonly maxTokens: number; readonly lengths?: readonly number[] }
}

export type AgentEvent =
  | { readonly type: 'hello'; readonly fleetVersion: string; readonly protocol: number; readonly platform: string; readonly node: string }
  /** What the command printed on stdout / stderr there (progress, a JSON document). */
  | { readonly type: 'out'; readonly text: string }
  | { readonly type: 'err'; readonly text: string }
  /** observe: the machine's part of the plan. */
  | { readonly type: 'observed'; readonly plan: LocalPlanData }
  /** A user error there (its message and hint), before the command's own exit. */
  | { readonly type: 'error'; readonly message: string; readonly hint?: string; readonly code?: 'version-mismatch' | 'protocol' }
  | { readonly type: 'exit'; readonly code: number }

/** One line of the agent's stdout as an event, or null for anything else (a login banner, a stray print). */
export function parseEvent(line: string): AgentEvent | null {
  if (!line.startsWith('{')) return null
  try {
    const value = JSON.parse(line) as { type?: unknown }
    return typeof value === 'object' && value !== null && typeof value.type === 'string' ? (value as AgentEvent) : null
  } catch {
    return null
  }
}
