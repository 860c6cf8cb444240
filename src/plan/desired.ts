/**
 * The desired state of the machine fleet runs on: for each deployment it runs, the service definition (program,
 * arguments, environment, logs, restart policy), how to tell the server is ready, and the files it needs first.
 * Pure: every path and executable is an input (LocalContext), and the server limits come from the plan's one sizing
 * pass.
 */
import { dirname, join } from 'node:path'
import type { Deployment, Fleet } from '../config/types.ts'
import { engineLaunch } from '../engines/index.ts'
import type { ModelFacts } from '../resolve/facts.ts'
import { serviceLabel, type ServiceSpec } from '../services/types.ts'
import type { FleetSizing } from '../sizing/fleet.ts'
import { specHash } from '../util/spec-hash.ts'
import type { LocalContext } from './observation.ts'
import type { PlannedService } from './types.ts'

/** Seconds launchd (and the supervisor) waits after SIGTERM before SIGKILL: unloading a large model takes a while. */
export const EXIT_TIMEOUT_SECONDS = 60
/** Open files: engines mmap many safetensors shards and hold a socket per client. */
export const NUMBER_OF_FILES = 8192

export interface DesiredService extends PlannedService {
  readonly deployment: Deployment
}

export type DesiredProblem = { readonly deployment: string; readonly message: string; readonly hint: string }

/** launchd passes no shell environment: PATH must name where the engine and its tools live. */
function pathEnv(program: string): string {
  return [...new Set([dirname(program), '/opt/homebrew/bin', '/usr/local/bin', '/usr/bin', '/bin', '/usr/sbin', '/sbin'])].join(':')
}

/** The deployments fleet.yaml puts on this machine (single-machine placements; multi-machine ones are not applied yet). */
export function deploymentsOn(fleet: Fleet, machine: string): Deployment[] {
  return fleet.deployments.filter((d) => d.machine === machine && d.machines.length === 1)
}

export function desiredServices(fleet: Fleet, facts: ReadonlyMap<string, ModelFacts>, sizing: FleetSizing, ctx: LocalContext): { services: DesiredService[]; problems: DesiredProblem[] } {
  const services: DesiredService[] = []
  const problems: DesiredProblem[] = []
  for (const deployment of deploymentsOn(fleet, ctx.machine.name)) {
    const model = deployment.model === null ? null : (fleet.models.find((m) => m.name === deployment.model) ?? null)
    const modelFacts = model ? facts.get(model.name) : undefined
    if (model && (!modelFacts || modelFacts.commit === null || modelFacts.weights.files.length === 0)) {
      problems.push({ deployment: deployment.name, message: `model ${model.name} is not pinned in fleet.lock with its files`, hint: 'Run fleet lock (with network access) before apply' })
      continue
    }
    const executable = deployment.engine === 'command' ? ctx.commandPrograms.get(deployment.name) : ctx.executables.get(deployment.engine)
    if (!executable) {
      problems.push({
        deployment: deployment.name,
        message: deployment.engine === 'command' ? 'its program was not found' : `${deployment.engine} is not installed on this machine`,
        hint: 'fleet plan says how to install it',
      })
      continue
    }
    const commit = modelFacts?.commit ?? null
    const snapshotDir = modelFacts && commit !== null ? ctx.snapshotDir(modelFacts.repo, commit) : null
    const modelFiles = modelFacts && snapshotDir ? modelFacts.weights.files.filter((f) => f.path.toLowerCase().endsWith('.gguf')).map((f) => join(snapshotDir, f.path)) : []
    const stateDir = join(ctx.stateRoot, 'deployments', deployment.name)
    // The plan's server limits (the prompt-cache budget) become the engine's, so what runs is what was planned.
    const sized = sizing.get(deployment.name)
    const launch = engineLaunch({
      deployment,
      model,
      facts: modelFacts ?? null,
      paths: { hubCache: ctx.hubCache, hfHome: ctx.hfHome, snapshotDir, modelFiles, stateDir },
      executable,
      limits: sized?.ok ? sized.serverLimits : null,
    })
    const spec: ServiceSpec = {
      label: serviceLabel(deployment.name),
      deployment: deployment.name,
      program: launch.program,
      args: launch.args,
      env: {
        PATH: pathEnv(launch.program),
        HOME: ctx.home,
        HF_HOME: ctx.hfHome,
        HF_HUB_CACHE: ctx.hubCache,
        // Everything is pulled before start: a server must never download (or phone home) on its own.
        HF_HUB_OFFLINE: '1',
        ...launch.env,
      },
      // A command runs where its options say; engines run in their own state directory.
      workingDirectory: deployment.options.engine === 'command' && deployment.options.cwd !== null ? deployment.options.cwd : stateDir,
      stdoutPath: join(ctx.logsDir, `${deployment.name}.out.log`),
      stderrPath: join(ctx.logsDir, `${deployment.name}.err.log`),
      throttleSeconds: fleet.restartThrottleSeconds,
      exitTimeoutSeconds: EXIT_TIMEOUT_SECONDS,
      numberOfFiles: NUMBER_OF_FILES,
    }
    const weights = modelFacts?.weights.totalBytes ?? 0
    services.push({
      deployment,
      spec,
      hash: specHash(spec),
      port: deployment.port,
      readiness: launch.readiness,
      warmup: launch.warmup,
      model: model && modelFacts && commit !== null ? { name: model.name, repo: modelFacts.repo, commit, revision: modelFacts.revision, files: modelFacts.weights.files } : null,
      // 2 minutes, plus 1 s per GB: loading from an SSD runs at several GB/s, Metal warm-up adds a little.
      readinessTimeoutMs: 120_000 + Math.ceil(weights / 1e9) * 1000,
    })
  }
  return { services, problems }
}

/** The PlannedService part of a desired service: what the plan document carries (no normalized deployment). */
export function plannedService(d: DesiredService): PlannedService {
  return { spec: d.spec, hash: d.hash, port: d.port, readiness: d.readiness, warmup: d.warmup, readinessTimeoutMs: d.readinessTimeoutMs, model: d.model }
}
