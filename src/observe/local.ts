/**
 * The machine fleet runs on, as plan and apply see it: which declared machine it is, its paths, its service backend
 * (launchd on macOS, the process supervisor elsewhere or when a machine says so) and the engines installed on it.
 * This is the one place that chooses adapters; everything downstream receives them.
 */
import { homedir } from 'node:os'
import type { EngineId } from '../catalog/engines.ts'
import type { Fleet, Machine } from '../config/types.ts'
import type { ServedEngineId } from '../config/written.ts'
import { UserError } from '../errors.ts'
import { dirname, join } from 'node:path'
import { engineBinary, isExecutableFile, pythonVenvDir, resolveCommandExecutable, resolveExecutable } from '../engines/runtime/executable.ts'
import { createLaunchdBackend } from '../services/launchd-backend.ts'
import { ProcessBackend } from '../services/process-backend.ts'
import { stateRoot } from '../services/state-dir.ts'
import type { ServiceBackend } from '../services/types.ts'
import type { LocalContext, MissingEngine } from '../plan/observation.ts'
import { hubPathsFor, logsDirFor, snapshotDirOf } from './paths.ts'

export interface LocalRuntime {
  readonly machine: Machine
  readonly context: LocalContext
  readonly backend: ServiceBackend
}

/**
 * Which declared machine is this one: `--machine NAME`, else the only machine without a `host`. On a machine that is
 * not a Mac, a machine counts only if it asks for the process supervisor (serviceManager: process): a fleet.yaml
 * describing Mac Studios does not describe a Linux laptop that happens to run `fleet plan`.
 */
export function localMachine(fleet: Fleet, platform: NodeJS.Platform, machineFlag?: string): Machine | null {
  if (machineFlag !== undefined) {
    const machine = fleet.machines.find((m) => m.name === machineFlag)
    if (!machine) throw new UserError(`--machine ${machineFlag}: ${fleet.file} declares no such machine`, { hint: `Machines: ${fleet.machines.map((m) => m.name).join(', ')}` })
    return machine
  }
  const candidates = fleet.machines.filter((m) => m.host === null && (platform === 'darwin' || m.serviceManager === 'process'))
  if (candidates.length > 1) {
    throw new UserError(`several machines could be this one (${candidates.map((m) => m.name).join(', ')})`, { hint: 'Give the others a host:, or pass --machine NAME' })
  }
  return candidates[0] ?? null
}

function backendFor(machine: Machine, platform: NodeJS.Platform, env: NodeJS.ProcessEnv, home: string, root: string): ServiceBackend {
  const kind = machine.serviceManager === 'auto' ? (platform === 'darwin' ? 'launchd' : 'process') : machine.serviceManager
  if (kind === 'launchd') {
    if (platform !== 'darwin') throw new UserError(`machine ${machine.name} asks for launchd, which exists only on macOS`, { hint: 'Set serviceManager: process (or auto) on this machine' })
    return createLaunchdBackend(home, process.getuid?.() ?? 501)
  }
  return new ProcessBackend({ env, root })
}

export async function localRuntime(fleet: Fleet, env: NodeJS.ProcessEnv, options: { platform?: NodeJS.Platform; machine?: string } = {}): Promise<LocalRuntime | null> {
  const platform = options.platform ?? process.platform
  const machine = localMachine(fleet, platform, options.machine)
  if (!machine) return null
  const home = env.HOME ?? homedir()
  const root = stateRoot(env, platform, home)
  const { hubCache, hfHome } = hubPathsFor(machine, env)
  // A rank of a deployment across machines needs the engine too (at the head's path: mlx.launch runs one command everywhere).
  const engines = new Set(fleet.deployments.filter((d) => d.machines.includes(machine.name) && d.engine !== 'command').map((d) => d.engine as ServedEngineId))
  const executables = new Map<EngineId, string>()
  const missingEngines: MissingEngine[] = []
  for (const engine of [...engines].sort()) {
    const source = fleet.engines[engine]
    const found = await resolveExecutable(engine, source, { stateRoot: root })
    if (found.ok) {
      executables.set(engine, found.path)
    } else if (source.kind === 'python') {
      // apply creates the environment, so plan the deployment with the executable's path in it.
      executables.set(engine, join(pythonVenvDir(source, root), 'bin', engineBinary(engine)))
      missingEngines.push({ engine, reason: found.reason, hint: found.hint, installable: true })
    } else {
      // A Homebrew formula or a path is the user's to install: a plan error that says how.
      missingEngines.push({ engine, reason: found.reason, hint: found.hint, installable: false })
    }
  }
  // launchd searches no PATH: a command's program is resolved to an absolute path here, once.
  const commandPrograms = new Map<string, string>()
  for (const d of fleet.deployments.filter((x) => x.machine === machine.name && x.options.engine === 'command')) {
    if (d.options.engine !== 'command') continue
    const found = await resolveCommandExecutable(d.options.command[0] ?? '', { cwd: d.options.cwd ?? process.cwd() })
    if (found.ok) commandPrograms.set(d.name, found.path)
    else missingEngines.push({ engine: 'command', deployment: d.name, reason: found.reason, hint: found.hint, installable: false })
  }
  // A worker of a llama.cpp deployment across machines runs rpc-server, installed next to llama-server.
  const llama = executables.get('llama.cpp')
  const rpcServer = llama !== undefined && (await isExecutableFile(join(dirname(llama), 'rpc-server'))) ? join(dirname(llama), 'rpc-server') : null
  return {
    machine,
    context: {
      machine,
      home,
      stateRoot: root,
      logsDir: logsDirFor(platform, home, root),
      hubCache,
      hfHome,
      snapshotDir: (repo, commit) => snapshotDirOf(hubCache, repo, commit),
      executables,
      commandPrograms,
      missingEngines,
      rpcServer,
    },
    backend: backendFor(machine, platform, env, home, root),
  }
}
