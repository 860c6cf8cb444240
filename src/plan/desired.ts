/**
 * The desired state of the machine fleet runs on: for each deployment it runs, the service definition (program,
 * arguments, environment, logs, restart policy), how to tell the server is ready, and the files it needs first.
 * Pure: every path and executable is an input (LocalContext), and the server limits come from the plan's one sizing
 * pass.
 */
import { createHash } from 'node:crypto'
import { dirname, join } from 'node:path'
import type { Deployment, Fleet } from '../config/types.ts'
import { engineLaunch } from '../engines/index.ts'
import type { ModelFacts } from '../resolve/facts.ts'
import { serviceLabel, type ServiceSpec } from '../services/types.ts'
import type { FleetSizing } from '../sizing/fleet.ts'
import { specHash } from '../util/spec-hash.ts'
import { mlxDistributedLaunch, mlxLaunchProgram, renderMlxHostfile } from '../engines/mlx-lm/distributed.ts'
import { optionsFor } from '../engines/shared/launch.ts'
import { llamaRpcHeadLaunch, rpcServerLaunch } from '../engines/llama-cpp/distributed.ts'
import type { EngineLaunch } from '../engines/types.ts'
import type { DistributedSizing } from '../sizing/distributed.ts'
import type { LocalContext } from './observation.ts'
import { isDistributed, mlxBackend, mlxHostfile, rankPart, rpcEndpoints, type RankPart } from './ranks.ts'
import type { PlannedModel, PlannedService, PreflightCheck, ServiceFile } from './types.ts'

/** Seconds launchd (and the supervisor) waits after SIGTERM before SIGKILL: unloading a large model takes a while. */
export const EXIT_TIMEOUT_SECONDS = 60
/** Open files: engines mmap many safetensors shards and hold a socket per client. */
export const NUMBER_OF_FILES = 8192

export interface DesiredService extends PlannedService {
  readonly deployment: Deployment
  /** Set for the head of a deployment across machines. */
  readonly rank?: RankPart
}

/** A machine that is a rank (not the head) of a deployment across machines: it holds the model, the head starts it. */
export interface DesiredRank {
  readonly deployment: Deployment
  readonly rank: RankPart
  readonly model: PlannedModel
}

export type DesiredProblem = { readonly deployment: string; readonly message: string; readonly hint: string }

/** launchd passes no shell environment: PATH must name where the engine and its tools live. */
function pathEnv(program: string): string {
  return [...new Set([dirname(program), '/opt/homebrew/bin', '/usr/local/bin', '/usr/bin', '/bin', '/usr/sbin', '/sbin'])].join(':')
}

/** The deployments fleet.yaml puts on this machine, those it shares with other machines included. */
export function deploymentsOn(fleet: Fleet, machine: string): Deployment[] {
  return fleet.deployments.filter((d) => d.machines.includes(machine))
}

/** Engines apply can start across machines: mlx-lm under mlx.launch, llama.cpp over RPC. */
const DISTRIBUTED_APPLY_ENGINES = ['mlx-lm', 'llama.cpp'] as const

export function desiredServices(
  fleet: Fleet,
  facts: ReadonlyMap<string, ModelFacts>,
  sizing: FleetSizing,
  ctx: LocalContext,
  /** The plan's split of each deployment across machines (src/plan/placement.ts): llama.cpp's --tensor-split. */
  distributed: ReadonlyMap<string, DistributedSizing> = new Map(),
): { services: DesiredService[]; ranks: DesiredRank[]; problems: DesiredProblem[] } {
  const services: DesiredService[] = []
  const ranks: DesiredRank[] = []
  const problems: DesiredProblem[] = []
  for (const deployment of deploymentsOn(fleet, ctx.machine.name)) {
    const part = isDistributed(deployment) ? rankPart(deployment, ctx.machine.name) : null
    if (part && !(DISTRIBUTED_APPLY_ENGINES as readonly string[]).includes(deployment.engine)) {
      problems.push({
        deployment: deployment.name,
        message: `fleet plans and sizes ${deployment.engine} across machines but cannot start it (apply runs mlx-lm's mlx.launch and llama.cpp's RPC)`,
        hint: 'Serve it with engine: mlx-lm (an MLX repo) or llama.cpp (a GGUF repo), or on one machine',
      })
      continue
    }
    const model = deployment.model === null ? null : (fleet.models.find((m) => m.name === deployment.model) ?? null)
    const modelFacts = model ? facts.get(model.name) : undefined
    if (model && (!modelFacts || modelFacts.commit === null || modelFacts.weights.files.length === 0)) {
      problems.push({ deployment: deployment.name, message: `model ${model.name} is not pinned in fleet.lock with its files`, hint: 'Run fleet lock (with network access) before apply' })
      continue
    }
    const planned: PlannedModel | null =
      model && modelFacts && modelFacts.commit !== null ? { name: model.name, repo: modelFacts.repo, commit: modelFacts.commit, revision: modelFacts.revision, files: modelFacts.weights.files } : null
    // An mlx-lm rank other than the head runs no service of its own: it needs the model in its cache before the head's
    // mlx.launch starts it. A llama.cpp worker runs rpc-server and needs no weights (the head sends them).
    const worker = part?.role === 'rank' && deployment.engine === 'llama.cpp'
    if (part?.role === 'rank' && !worker) {
      if (planned) ranks.push({ deployment, rank: part, model: planned })
      continue
    }
    if (worker && !ctx.rpcServer) {
      problems.push({
        deployment: deployment.name,
        message: `rpc-server is not installed next to ${ctx.executables.get('llama.cpp') ?? 'llama-server'} (Homebrew's llama.cpp is built without GGML_RPC)`,
        hint: 'Install a llama.cpp release build (it has rpc-server and --rpc) on every machine of the deployment, and point engines.llama.cpp.path at its llama-server',
      })
      continue
    }
    const executable = worker ? ctx.rpcServer! : deployment.engine === 'command' ? ctx.commandPrograms.get(deployment.name) : ctx.executables.get(deployment.engine)
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
    const inputs = {
      deployment,
      model,
      facts: modelFacts ?? null,
      paths: { hubCache: ctx.hubCache, hfHome: ctx.hfHome, snapshotDir, modelFiles, stateDir },
      executable,
      limits: sized?.ok ? sized.serverLimits : null,
    }
    let launch: EngineLaunch
    let files: ServiceFile[] = []
    let preflight: PreflightCheck[] = []
    if (part && modelFacts) {
      const built = deployment.engine === 'llama.cpp' ? llamaPart(fleet, deployment, part, inputs, distributed.get(deployment.name)) : mlxHead(fleet, deployment, modelFacts, inputs, stateDir)
      if ('problem' in built) {
        problems.push({ deployment: deployment.name, ...built.problem })
        continue
      }
      ;({ launch, files, preflight } = built)
    } else launch = engineLaunch(inputs)
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
      model: worker ? null : planned,
      // 2 minutes, plus 1 s per GB: loading from an SSD runs at several GB/s, Metal warm-up adds a little.
      readinessTimeoutMs: 120_000 + Math.ceil(weights / 1e9) * 1000,
      ...(part ? { rank: part, files, preflight } : {}),
    })
  }
  return { services, ranks, problems }
}

type PartLaunch = { launch: EngineLaunch; files: ServiceFile[]; preflight: PreflightCheck[] } | { problem: { message: string; hint: string } }

/**
 * llama.cpp across machines: a worker's rpc-server on its link address, or the head's llama-server with every worker
 * and the plan's split. The head checks each worker's port before it starts.
 */
function llamaPart(fleet: Fleet, deployment: Deployment, part: RankPart, inputs: Parameters<typeof engineLaunch>[0], split: DistributedSizing | undefined): PartLaunch {
  const rendered = rpcEndpoints(fleet, deployment, optionsFor(deployment, 'llama.cpp').rpcPort)
  if ('problem' in rendered) return rendered
  if (part.role === 'rank') {
    const endpoint = rendered.endpoints.find((e) => e.machine === part.machines[part.rank])!
    return { launch: rpcServerLaunch(inputs.executable, endpoint), files: [], preflight: [] }
  }
  if (!split?.tensorSplit) {
    return { problem: { message: `${deployment.name} could not be split across its machines (see the plan's diagnostics)`, hint: 'Fix what plan reports for it, then apply again' } }
  }
  return {
    launch: llamaRpcHeadLaunch(inputs, rendered.endpoints, split.tensorSplit),
    files: [],
    preflight: rendered.endpoints.map((e) => ({ kind: 'tcp', machine: e.machine, host: e.host, port: e.port })),
  }
}

/**
 * The head of an mlx-lm deployment across machines: mlx.launch with a hostfile (its name carries a digest of its
 * content, so a changed hostfile is a changed definition), and the checks apply runs before starting it.
 */
function mlxHead(fleet: Fleet, deployment: Deployment, facts: ModelFacts, inputs: Parameters<typeof engineLaunch>[0], stateDir: string): PartLaunch {
  // sharded_load(repo) asks snapshot_download for the default revision: offline, each rank follows refs/main.
  if (facts.revision !== null && facts.revision !== 'main') {
    return {
      problem: {
        message: `mlx-lm loads a model across machines by repo id at its main branch (sharded_load has no revision), so ${facts.repo}@${facts.revision} cannot be served this way`,
        hint: `Pin ${facts.repo} at main (drop @${facts.revision}); fleet.lock still fixes the commit`,
      },
    }
  }
  const repo = facts.repo
  const backend = mlxBackend(fleet, deployment)
  const rendered = mlxHostfile(fleet, deployment, backend)
  if ('problem' in rendered) return rendered
  const content = renderMlxHostfile(rendered.hostfile)
  const hostfilePath = join(stateDir, `hostfile-${createHash('sha256').update(content).digest('hex').slice(0, 12)}.json`)
  const options = optionsFor(deployment, 'mlx-lm')
  const served = mlxDistributedLaunch(inputs, repo, { hostfilePath, backend, pipeline: deployment.parallelism === 'pipeline', startingPort: options.startingPort })
  // The argv names the repo, not the commit: the commit in the definition makes a new lock a new definition (restart).
  const launch = { ...served, env: { ...served.env, FLEET_MODEL_COMMIT: facts.commit ?? '' } }
  const preflight: PreflightCheck[] = deployment.machines.slice(1).map((name, i) => ({
    kind: 'ssh',
    machine: name,
    host: rendered.hostfile.hosts[i + 1]!.ssh,
    executables: [inputs.executable, mlxLaunchProgram(inputs.executable)],
  }))
  return { launch, files: [{ path: hostfilePath, content }], preflight }
}

/** The PlannedService part of a desired service: what the plan document carries (no normalized deployment). */
export function plannedService(d: DesiredService): PlannedService {
  return {
    spec: d.spec,
    hash: d.hash,
    port: d.port,
    readiness: d.readiness,
    warmup: d.warmup,
    readinessTimeoutMs: d.readinessTimeoutMs,
    model: d.model,
    ...(d.files ? { files: d.files } : {}),
    ...(d.preflight ? { preflight: d.preflight } : {}),
  }
}
