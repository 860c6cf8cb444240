/**
 * `fleet agent`: the machine-local side of the remote protocol (src/remote/protocol.ts, docs/remote.md). The control
 * point starts it over ssh; it reads one request line from stdin, plans or applies this machine's part with the same
 * code a local command uses (`--machine` set to the machine it is), and answers in JSON lines on stdout. It writes the
 * fleet file and lock it was sent into a private temporary directory, removed when it ends; the Hub token it may be
 * sent lives only in its own environment.
 */
import { APPLY_PHASES } from '../apply/phase.ts'
import { probeHere } from './probe.ts'
import { benchHere } from './bench.ts'
import { PROBE_FILE } from '../probe/file.ts'
import { CALIBRATION_FILE } from '../bench/calibrate.ts'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { UserError } from '../errors.ts'
import { localRuntime } from '../observe/local.ts'
import { localPlanData } from '../plan/local.ts'
import { LOCK_FILE } from '../resolve/lock.ts'
import { REMOTE_PROTOCOL, type AgentEvent, type AgentRequest } from '../remote/protocol.ts'
import { stateRoot } from '../services/state-dir.ts'
import type { Io } from '../ui/io.ts'
import { VERSION } from '../version.ts'
import { applyHere } from './apply.ts'
import { destroyHere } from './destroy.ts'
import { planThisMachine } from './get-plan.ts'
import { logsHere } from './logs.ts'
import { prepare } from './prepare.ts'
import { statusHere } from './status.ts'

/** Reads the request line; afterwards, the end of stdin aborts (the control point was interrupted or went away). */
function readRequest(input: NodeJS.ReadableStream, abort: AbortController): Promise<string | null> {
  return new Promise((resolve) => {
    const lines = createInterface({ input, crlfDelay: Infinity })
    let first: string | null = null
    lines.on('line', (line) => {
      if (first === null) {
        first = line
        resolve(line)
      }
    })
    lines.on('close', () => {
      if (first === null) resolve(null)
      else abort.abort(new Error('the control point closed the connection'))
    })
  })
}

function validRequest(value: unknown): value is AgentRequest {
  if (typeof value !== 'object' || value === null) return false
  const r = value as Partial<AgentRequest>
  return typeof r.op === 'string' && typeof r.machine === 'string' && typeof r.fleetVersion === 'string' && typeof r.env === 'object' && typeof r.args === 'object'
}

export async function agent(input: NodeJS.ReadableStream, io: Io): Promise<number> {
  // If the connection is gone, writes fail with EPIPE: finish the work (a rollback in flight) rather than crash.
  process.stdout.on('error', () => {})
  const emit = (event: AgentEvent): void => io.out(`${JSON.stringify(event)}\n`)
  const finish = (code: number): number => (emit({ type: 'exit', code }), code)
  emit({ type: 'hello', fleetVersion: VERSION, protocol: REMOTE_PROTOCOL, platform: process.platform, node: process.version })
  const abort = new AbortController()
  const line = await readRequest(input, abort)
  let request: unknown
  try {
    request = line === null ? null : JSON.parse(line)
  } catch {
    request = null
  }
  if (!validRequest(request)) {
    emit({
      type: 'error',
      code: 'protocol',
      message: 'fleet agent expects one JSON request line on stdin from a fleet control point',
      hint: 'fleet agent is started by fleet itself over ssh; it is not meant to be run by hand',
    })
    return finish(2)
  }
  if (request.protocol !== REMOTE_PROTOCOL || request.fleetVersion !== VERSION) {
    emit({
      type: 'error',
      code: 'version-mismatch',
      message: `this machine runs fleet ${VERSION} (protocol ${REMOTE_PROTOCOL}); the control point runs fleet ${request.fleetVersion} (protocol ${String(request.protocol)})`,
    })
    return finish(1)
  }
  if (request.op === 'hello') return finish(0)
  if (!request.fleet) {
    emit({ type: 'error', code: 'protocol', message: `the ${request.op} request carries no fleet file` })
    return finish(2)
  }
  const env: NodeJS.ProcessEnv = { ...io.env, ...request.env }
  const here: Io = { out: (text) => emit({ type: 'out', text }), err: (text) => emit({ type: 'err', text }), isTTY: false, color: false, env }
  const root = join(stateRoot(env), 'agent')
  mkdirSync(root, { recursive: true, mode: 0o700 })
  const dir = mkdtempSync(join(root, 'run-'))
  try {
    const file = 'fleet.yaml'
    writeFileSync(join(dir, file), request.fleet.text, { mode: 0o600 })
    if (request.fleet.lock !== null) writeFileSync(join(dir, LOCK_FILE), request.fleet.lock, { mode: 0o600 })
    if (typeof request.fleet.probe === 'string') writeFileSync(join(dir, PROBE_FILE), request.fleet.probe, { mode: 0o600 })
    if (typeof request.fleet.calibration === 'string') writeFileSync(join(dir, CALIBRATION_FILE), request.fleet.calibration, { mode: 0o600 })
    const args = request.args
    const common = { file, cwd: dir, machine: request.machine }
    switch (request.op) {
      case 'observe': {
        const prepared = await prepare({ file, cwd: dir, json: true, offline: args.offline ?? false }, here)
        if (!prepared) return finish(1)
        const runtime = await localRuntime(prepared.fleet, env, { machine: request.machine })
        if (!runtime) return finish(1)
        emit({ type: 'observed', plan: localPlanData(await planThisMachine(prepared, runtime)) })
        return finish(0)
      }
      case 'apply': {
        let planFile: string | undefined
        if (args.savedPlan !== undefined) {
          planFile = join(dir, 'plan.json')
          writeFileSync(planFile, JSON.stringify(args.savedPlan), { mode: 0o600 })
        }
        const code = await applyHere(
          {
            ...common,
            targets: args.targets ?? [],
            dryRun: args.dryRun ?? false,
            json: false,
            offline: args.offline ?? false,
            yes: args.yes ?? false,
            signal: abort.signal,
            ...(planFile === undefined ? {} : { planFile }),
            ...(args.readyTimeoutSeconds === undefined ? {} : { readyTimeoutSeconds: args.readyTimeoutSeconds }),
            ...(args.phase !== undefined && APPLY_PHASES.includes(args.phase) ? { phase: args.phase } : {}),
          },
          here,
        )
        return finish(code)
      }
      case 'status':
        return finish(await statusHere({ ...common, json: true }, here))
      case 'probe':
        return finish(await probeHere(common, here))
      case 'bench': {
        const b = args.bench
        const ok = b !== undefined && Array.isArray(b.deployments) && Number.isInteger(b.repetitions) && b.repetitions > 0 && Number.isInteger(b.maxTokens) && b.maxTokens > 0
        if (!ok) {
          emit({ type: 'error', code: 'protocol', message: 'the bench request carries no valid bench settings' })
          return finish(2)
        }
        return finish(await benchHere({ ...b, ...common }, here))
      }
      case 'destroy':
        return finish(await destroyHere({ ...common, json: false, targets: args.targets ?? [], purge: args.purge ?? false }, here))
      case 'logs':
        return finish(await logsHere({ ...common, deployment: args.deployment ?? '', follow: args.follow ?? false, lines: args.lines ?? 50, signal: abort.signal }, here))
      default:
        emit({ type: 'error', code: 'protocol', message: `this fleet agent does not know the operation ${JSON.stringify(request.op)}` })
        return finish(2)
    }
  } catch (error) {
    if (error instanceof UserError) {
      emit({ type: 'error', message: error.message, ...(error.hint === undefined ? {} : { hint: error.hint }) })
      return finish(error.exitCode)
    }
    // A bug here must still reach the control point as an answer, not as a connection that just ended.
    emit({
      type: 'error',
      message: `internal error on ${request.machine}: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
      hint: 'This is a bug in fleet: please file an issue with this output',
    })
    return finish(1)
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}
