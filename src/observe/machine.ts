/**
 * Reads the live state of this machine before planning: every fleet service the backend has, its installed
 * definition, whether its port answers, what the desired services still miss in the cache, free disk, and the GPU
 * wired limit. An adapter: the result is data (src/plan/observation.ts) the pure planner diffs against.
 */
import { tcpAccepts } from '../engines/runtime/tcp.ts'
import type { ReadinessProbe } from '../engines/types.ts'
import type { DesiredService } from '../plan/desired.ts'
import type { PlannedModel } from '../plan/types.ts'
import { modelKey, type MachineObservation, type ObservedService, type WiredLimitObservation } from '../plan/observation.ts'
import type { ServiceBackend } from '../services/types.ts'

export interface ObservePorts {
  readonly backend: ServiceBackend
  /** Bytes of the model's files still missing from the cache. */
  missingBytes(model: PlannedModel): Promise<number>
  freeBytes(): Promise<number>
  /** One quick, read-only check that the server answers (never loads or creates anything). */
  answers(probe: ReadinessProbe): Promise<boolean>
  /** Whether refs/<revision> in the cache names the model's commit (what an engine loading by repo id follows). */
  refMatches(model: PlannedModel): Promise<boolean>
  /** The wired limit in force and its boot daemon; null where there is none (not macOS). */
  wiredLimit(): Promise<WiredLimitObservation | null>
}

/**
 * `byRef`: models an engine loads by repo id (mlx-lm across machines), whose ref must name the locked commit too; a
 * stale ref counts as a missing byte, so the plan pulls (which writes the ref) and restarts what loads it.
 */
export async function observeMachine(
  machine: string,
  desired: readonly DesiredService[],
  ports: ObservePorts,
  rankModels: readonly PlannedModel[] = [],
  byRef: readonly PlannedModel[] = [],
): Promise<MachineObservation> {
  const byLabel = new Map(desired.map((d) => [d.spec.label, d]))
  const labels = [...new Set([...(await ports.backend.list()), ...byLabel.keys()])].sort()
  const services = new Map<string, ObservedService>()
  for (const label of labels) {
    const state = await ports.backend.state(label)
    const installed = await ports.backend.installedSpec(label)
    const d = byLabel.get(label)
    const healthy = state.running && d ? await ports.answers(d.readiness) : null
    services.set(label, { label, state, installed, healthy })
  }
  const missingBytes = new Map<string, number>()
  for (const model of [...desired.flatMap((d) => (d.model ? [d.model] : [])), ...rankModels]) {
    const key = modelKey(model.repo, model.commit)
    if (!missingBytes.has(key)) missingBytes.set(key, await ports.missingBytes(model))
  }
  for (const model of byRef) {
    const key = modelKey(model.repo, model.commit)
    if (!(await ports.refMatches(model))) missingBytes.set(key, Math.max(1, missingBytes.get(key) ?? 1))
  }
  return { machine, backend: ports.backend.kind, services, missingBytes, freeBytes: await ports.freeBytes(), wiredLimit: await ports.wiredLimit() }
}

/** A read-only probe: GET the URL the engine's readiness check uses, or its liveness endpoint. */
export function livenessUrl(probe: Exclude<ReadinessProbe, { kind: 'tcp' }>): string {
  switch (probe.kind) {
    case 'http':
      return probe.url
    case 'completion':
      // mlx_lm.server: /health answers once the HTTP server is up; the completion itself would start a generation.
      return new URL('/health', probe.url).href
    case 'ollama':
      return new URL('/api/version', probe.baseUrl).href
  }
}

export async function answersOverHttp(probe: ReadinessProbe, timeoutMs = 2000): Promise<boolean> {
  if (probe.kind === 'tcp') return (await tcpAccepts(probe.host, probe.port, { timeoutMs })).ok
  try {
    const response = await fetch(livenessUrl(probe), { signal: AbortSignal.timeout(timeoutMs) })
    await response.body?.cancel()
    return response.ok
  } catch {
    return false
  }
}
