/**
 * The diff of the plan stage: the desired services of this machine against what was observed on it (the service
 * backend, the files in the cache, the port answering), rather than against fleet's own records. Pure.
 */
import { createHash } from 'node:crypto'
import type { Machine } from '../config/types.ts'
import type { ServiceSpec } from '../services/types.ts'
import { SERVICE_LABEL_PREFIX } from '../services/types.ts'
import { specHash } from '../util/spec-hash.ts'
import { stableStringify } from '../util/stable-json.ts'
import { plannedService, type DesiredRank, type DesiredService } from './desired.ts'
import { modelKey, type MachineObservation, type ObservedService } from './observation.ts'
import { renderReasons } from './reasons.ts'
import type { Change, ChangeAction, ChangeStep, RestartCause, SpecDifference } from './types.ts'

/** The machine-level resource `gpuWiredLimit` (a root LaunchDaemon plus the sysctl in force). */
export const WIRED_LIMIT_RESOURCE = 'wired-limit'

/** Why an installed definition differs from the desired one: replaced (other engine or model) or updated in place. */
function definitionSteps(installed: ServiceSpec, desired: ServiceSpec): ChangeStep {
  const label = desired.label
  if (installed.program !== desired.program) return { step: 'replace', label, what: 'engine', before: installed.program, after: desired.program }
  const snapshots = (spec: ServiceSpec): string => spec.args.filter((a) => a.includes('/snapshots/')).join(' ')
  if (snapshots(installed) !== snapshots(desired)) return { step: 'replace', label, what: 'model-revision', before: snapshots(installed), after: snapshots(desired) }
  const differences: SpecDifference[] = []
  if (stableStringify(installed.args) !== stableStringify(desired.args)) differences.push({ field: 'args', before: installed.args, after: desired.args })
  if (stableStringify(installed.env) !== stableStringify(desired.env)) {
    differences.push({
      field: 'env',
      keys: Object.keys({ ...installed.env, ...desired.env })
        .filter((k) => installed.env[k] !== desired.env[k])
        .sort(),
    })
  }
  if (installed.stdoutPath !== desired.stdoutPath || installed.stderrPath !== desired.stderrPath || installed.workingDirectory !== desired.workingDirectory) differences.push({ field: 'paths' })
  if (installed.throttleSeconds !== desired.throttleSeconds || installed.exitTimeoutSeconds !== desired.exitTimeoutSeconds || installed.numberOfFiles !== desired.numberOfFiles)
    differences.push({ field: 'restart-policy' })
  return { step: 'install', label, fresh: false, differences }
}

function restartCause(o: ObservedService): RestartCause | null {
  if (!o.state.loaded) return 'not-loaded'
  if (!o.state.running) return o.state.lastExitCode !== null && o.state.lastExitCode !== 0 ? 'crashed' : 'not-running'
  return null
}

function change(base: Pick<Change, 'kind' | 'name' | 'machine'>, action: ChangeAction, steps: ChangeStep[], service: Change['service'], installed: ServiceSpec | null): Change {
  return { ...base, action, reasons: renderReasons(steps), steps, service, installed }
}

/** The head's change carries its rank part, so the control point applies it after the ranks. */
function withRank(c: Change, d: DesiredService): Change {
  if (!d.rank) return c
  const part = d.rank.role === 'head' ? `head of ${d.rank.machines.join(', ')}: started once every other machine's part is done` : `rpc-server for ${d.rank.head} (rank ${d.rank.rank} of ${d.rank.of})`
  return { ...c, reasons: c.action === 'noop' ? c.reasons : [...c.reasons, part], rank: d.rank }
}

/**
 * A rank (not the head) of a deployment across machines: the model must be in this machine's cache before the head's
 * launcher starts the rank here. Nothing runs as a service, so pulling is the whole change.
 */
export function rankChange(r: DesiredRank, observed: MachineObservation, engineToInstall = false): Change {
  const base = { kind: 'deployment' as const, name: r.deployment.name, machine: observed.machine }
  const missing = (observed.missingBytes.get(modelKey(r.model.repo, r.model.commit)) ?? 1) > 0
  const steps: ChangeStep[] = missing ? [{ step: 'pull', repo: r.model.repo, commit: r.model.commit, why: 'not-cached' }] : []
  // The engine apply installs itself (a pinned Python environment) must be here too: the head's launcher runs it here.
  const c = change(base, missing || engineToInstall ? 'create' : 'noop', steps, null, null)
  const part = `rank ${r.rank.rank} of ${r.rank.of}, started by ${r.rank.head}`
  const install = engineToInstall ? [`installs ${r.deployment.engine} here, at the path the head runs`] : []
  return { ...c, reasons: c.action === 'noop' ? [] : [...c.reasons, ...install, part], rank: r.rank, model: r.model }
}

function deploymentChange(d: DesiredService, o: ObservedService | undefined, observed: MachineObservation): Change {
  const base = { kind: 'deployment' as const, name: d.deployment.name, machine: observed.machine }
  const service = plannedService(d)
  const installed = o?.installed ?? null
  const filesMissing = d.model !== null && (observed.missingBytes.get(modelKey(d.model.repo, d.model.commit)) ?? 1) > 0
  const pull = (why: 'not-cached' | 'files-missing'): ChangeStep[] => (d.model && filesMissing ? [{ step: 'pull', repo: d.model.repo, commit: d.model.commit, why }] : [])
  if (!o || !installed) return change(base, 'create', [...pull('not-cached'), { step: 'install', label: d.spec.label, fresh: true, differences: [] }], service, null)
  if (specHash(installed) !== d.hash) {
    const step = definitionSteps(installed, d.spec)
    return change(base, step.step === 'replace' ? 'replace' : 'update', [...pull('not-cached'), step], service, installed)
  }
  const cause = restartCause(o)
  const restart = (c: RestartCause): ChangeStep => ({ step: 'restart', label: d.spec.label, cause: c, lastExitCode: o.state.lastExitCode, port: d.port })
  if (cause !== null) return change(base, 'update', [...pull('not-cached'), restart(cause)], service, installed)
  if (filesMissing) return change(base, 'update', [...pull('files-missing'), restart('files-missing')], service, installed)
  if (o.healthy === false) return change(base, 'update', [restart('not-answering')], service, installed)
  return change(base, 'noop', [], service, installed)
}

/**
 * `declared`: labels of every deployment fleet.yaml puts on this machine, deployable now or not. Only services outside
 * it are deleted, so a deployment whose engine went missing is reported, never torn down. Deletes come first: they
 * free ports and memory before anything new starts.
 */
export function diffServices(desired: readonly DesiredService[], observed: MachineObservation, declared: ReadonlySet<string> = new Set(desired.map((d) => d.spec.label))): Change[] {
  const wanted = new Set([...desired.map((d) => d.spec.label), ...declared])
  const changes = desired.map((d) => withRank(deploymentChange(d, observed.services.get(d.spec.label), observed), d))
  const deletes: Change[] = []
  for (const [label, o] of [...observed.services].sort(([a], [b]) => a.localeCompare(b))) {
    if (wanted.has(label) || !label.startsWith(SERVICE_LABEL_PREFIX) || !o.installed) continue
    deletes.push(change({ kind: 'deployment', name: o.installed.deployment, machine: observed.machine }, 'delete', [{ step: 'delete', label }], null, o.installed))
  }
  return [...deletes, ...changes]
}

export function declaredWiredLimitMiB(machine: Machine): number | null {
  return machine.gpuWiredLimitBytes === null ? null : Math.floor(machine.gpuWiredLimitBytes / 2 ** 20)
}

/** The change the machine needs, or null when the limit in force and the boot daemon already match fleet.yaml. */
export function wiredLimitChange(machine: Machine, observed: MachineObservation['wiredLimit']): Change | null {
  if (observed === null) return null
  const declaredMiB = declaredWiredLimitMiB(machine)
  const base = { kind: 'machine' as const, name: WIRED_LIMIT_RESOURCE, machine: machine.name }
  const step: ChangeStep = { step: 'wiredLimit', declaredMiB, inForceMiB: observed.inForceMiB, daemonInstalled: observed.daemonInstalled }
  if (declaredMiB === null) return observed.daemonInstalled ? change(base, 'delete', [step], null, null) : null
  if (observed.inForceMiB === declaredMiB && observed.daemonInstalled) return null
  return change(base, observed.daemonInstalled ? 'update' : 'create', [step], null, null)
}

/** A digest of what plan saw and wanted: apply of a saved plan refuses to run when it no longer matches. */
export function observationFingerprint(desired: readonly DesiredService[], observed: MachineObservation, machineChanges: readonly Change[] = []): string {
  const seen = [...observed.services.values()]
    .map((o) => ({ label: o.label, installed: o.installed ? specHash(o.installed) : null, running: o.state.running, healthy: o.healthy }))
    .sort((a, b) => a.label.localeCompare(b.label))
  const files = [...observed.missingBytes].map(([model, missing]) => ({ model, complete: missing === 0 })).sort((a, b) => a.model.localeCompare(b.model))
  const wanted = desired.map((d) => ({ label: d.spec.label, hash: d.hash })).sort((a, b) => a.label.localeCompare(b.label))
  const machine = machineChanges.map((c) => ({ name: c.name, action: c.action, steps: c.steps }))
  return createHash('sha256')
    .update(stableStringify({ machine: observed.machine, backend: observed.backend, seen, files, wanted, machineChanges: machine }))
    .digest('hex')
}
