/**
 * The desired state of one machine: for each deployment it runs, the service definition (program, arguments,
 * environment, logs, restart policy) and how to tell the server is ready. Pure: every path and executable is an input.
 */
import { dirname, join } from 'node:path'
import type { Deployment, Fleet, Machine } from '../config/types.ts'
import type { EngineId } from '../catalog/engines.ts'
import { engineLaunch } from '../engines/index.ts'
import type { EngineLaunch } from '../engines/types.ts'
import type { ModelFacts, WeightFile } from '../resolve/facts.ts'
import { serviceLabel, type ServiceSpec } from '../services/types.ts'
import { specHash } from './spec-hash.ts'
import { sizeDeployment } from '../sizing/deployment.ts'
import { snapshotDirOf } from './paths.ts'

/** Seconds launchd (and the supervisor) waits after SIGTERM before SIGKILL: unloading a large model takes a while. */
export const EXIT_TIMEOUT_SECONDS = 60
/** Open files: engines mmap many safetensors shards and hold a socket per client. */
export const NUMBER_OF_FILES = 8192

export interface LocalContext {
  readonly machine: Machine
  readonly home: string
  /** fleet's state directory on this machine (per-deployment state lives under it). */
  readonly stateRoot: string
  readonly logsDir: string
  readonly hubCache: string
  readonly hfHome: string
  /** Resolved executables; an engine missing here cannot be deployed (plan reports why). */
  readonly executables: ReadonlyMap<EngineId, string>
  /** Absolute programs of command deployments, by deployment name. */
  readonly commandPrograms: ReadonlyMap<string, string>
}

export interface DesiredService {
  readonly deployment: Deployment
  readonly spec: ServiceSpec
  /** sha256 of the definition: a change of any argument, variable or path is a change of the service. */
  readonly hash: string
  readonly launch: EngineLaunch
  /** The model's pinned files, to pull before start (null for a command deployment without a model). */
  readonly model: { readonly name: string; readonly repo: string; readonly commit: string; readonly revision: string | null; readonly files: readonly WeightFile[] } | null
  /** How long a start may take before it counts as failed: a base plus loading time for the weights. */
  readonly readinessTimeoutMs: number
}

export type DesiredProblem = { readonly deployment: string; readonly message: string; readonly hint: string }

/** launchd passes no shell environment: PATH must name where the engine and its tools live. */
function pathEnv(program: string): string {
  return [...new Set([dirname(program), '/opt/homebrew/bin', '/usr/local/bin', '/usr/bin', '/bin', '/usr/sbin', '/sbin'])].join(':')
}

export function desiredServices(fleet: Fleet, facts: ReadonlyMap<string, ModelFacts>, ctx: LocalContext): { services: DesiredService[]; problems: DesiredProblem[] } {
  const services: DesiredService[] = []
  const problems: DesiredProblem[] = []
  for (const deployment of fleet.deployments) {
    // Only single-machine deployments of this machine; multi-machine placement is not applied yet.
    if (deployment.machine !== ctx.machine.name || deployment.machines.length !== 1) continue
    const model = deployment.model === null ? null : (fleet.models.find((m) => m.name === deployment.model) ?? null)
    const modelFacts = model ? facts.get(model.name) : undefined
    if (model && (!modelFacts || modelFacts.commit === null || modelFacts.weights.files.length === 0)) {
      problems.push({ deployment: deployment.name, message: `model ${model.name} is not pinned in fleet.lock with its files`, hint: 'Run fleet lock (with network access) before apply' })
      continue
    }
    const executable = deployment.engine === 'command' ? ctx.commandPrograms.get(deployment.name) : ctx.executables.get(deployment.engine)
    if (!executable) {
      problems.push({ deployment: deployment.name, message: deployment.engine === 'command' ? 'its program was not found' : `${deployment.engine} is not installed on this machine`, hint: 'fleet plan says how to install it' })
      continue
    }
    const snapshotDir = modelFacts ? snapshotDirOf(ctx.hubCache, modelFacts.repo, modelFacts.commit!) : null
    const modelFiles = modelFacts && snapshotDir ? modelFacts.weights.files.filter((f) => f.path.toLowerCase().endsWith('.gguf')).map((f) => join(snapshotDir, f.path)) : []
    const stateDir = join(ctx.stateRoot, 'deployments', deployment.name)
    // The plan's limits (the prompt-cache budget) become the engine's, so what runs is what was planned.
    const sized = modelFacts ? sizeDeployment(deployment, ctx.machine, modelFacts) : null
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
      launch,
      model: model && modelFacts ? { name: model.name, repo: modelFacts.repo, commit: modelFacts.commit!, revision: modelFacts.revision, files: modelFacts.weights.files } : null,
      // 2 minutes, plus 1 s per GB: loading from an SSD runs at several GB/s, Metal warm-up adds a little.
      readinessTimeoutMs: 120_000 + Math.ceil(weights / 1e9) * 1000,
    })
  }
  return { services, problems }
}
