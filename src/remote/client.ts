/**
 * The control point's side of the remote protocol: runs `fleet agent` on a machine over ssh, sends one request, relays
 * the agent's output and tells apart why a machine could not do its part (ssh itself failed, no fleet there, another
 * fleet version, the connection dropped mid-way) from the command's own exit code there.
 */
import type { Machine } from '../config/types.ts'
import { InternalError } from '../errors.ts'
import { resolveHubConfig } from '../hub/config.ts'
import type { LocalPlanData } from '../plan/local.ts'
import { runStreaming } from '../process/run.ts'
import { VERSION } from '../version.ts'
import { parseEvent, REMOTE_PROTOCOL, type AgentArgs, type AgentOp, type AgentRequest } from './protocol.ts'
import { classifySshFailure, sshArgv } from './ssh.ts'

export type RemoteFailureKind = 'unreachable' | 'no-fleet' | 'version' | 'protocol' | 'lost'

export interface RemoteFailure {
  readonly kind: RemoteFailureKind
  readonly message: string
  readonly hint: string
}

export type RemoteOutcome =
  | { readonly ok: true; readonly exitCode: number; readonly out: string; readonly observed: LocalPlanData | null; readonly error: { message: string; hint?: string } | null }
  | { readonly ok: false; readonly failure: RemoteFailure }

export interface RemoteCall {
  readonly op: AgentOp
  readonly args?: AgentArgs
  readonly fleet?: AgentRequest['fleet']
  /** The agent's stdout / stderr text as it arrives (progress). */
  readonly onOut?: (text: string) => void
  readonly onErr?: (text: string) => void
  /** Aborting closes the agent's stdin: it stops the way a local apply stops on Ctrl-C. */
  readonly signal?: AbortSignal
}

/** How to install the same fleet on a machine (README "Install"). */
export function installHint(machine: Machine): string {
  return `Install fleet ${VERSION} on ${machine.host} as the README says (a checkout of the same version, npm ci && npm run build), then put its bin/fleet.js on the PATH of ssh sessions there or set machines.${machine.name}.fleetPath`
}

/** The Hub settings the remote should use: the control point's endpoint and token, when it has them. */
export function forwardedHubEnv(env: NodeJS.ProcessEnv): Record<string, string> {
  const hub = resolveHubConfig(env)
  const out: Record<string, string> = {}
  if (env.HF_ENDPOINT !== undefined && env.HF_ENDPOINT !== '') out.HF_ENDPOINT = hub.endpoint
  if (hub.token !== undefined) out.HF_TOKEN = hub.token
  if (hub.offline) out.HF_HUB_OFFLINE = '1'
  return out
}

export async function callRemote(machine: Machine, env: NodeJS.ProcessEnv, call: RemoteCall): Promise<RemoteOutcome> {
  if (machine.host === null) throw new InternalError(`callRemote on ${machine.name}, which has no host`)
  const request: AgentRequest = {
    protocol: REMOTE_PROTOCOL,
    fleetVersion: VERSION,
    op: call.op,
    machine: machine.name,
    ...(call.fleet ? { fleet: call.fleet } : {}),
    env: forwardedHubEnv(env),
    args: call.args ?? {},
  }
  const { file, args } = sshArgv(machine, env)
  let hello: { fleetVersion: string; protocol: number } | null = null
  let exit: number | null = null
  let out = ''
  let observed: LocalPlanData | null = null
  let error: { message: string; hint?: string; code?: string } | null = null
  const stray: string[] = []
  const handle = runStreaming(file, args, {
    input: `${JSON.stringify(request)}\n`,
    onLine(line) {
      const event = parseEvent(line)
      if (event === null) {
        if (stray.length < 20) stray.push(line)
        return
      }
      switch (event.type) {
        case 'hello':
          hello = event
          break
        case 'out':
          out += event.text
          call.onOut?.(event.text)
          break
        case 'err':
          call.onErr?.(event.text)
          break
        case 'observed':
          observed = event.plan
          break
        case 'error':
          error = event
          break
        case 'exit':
          exit = event.code
          handle.closeInput()
          break
      }
    },
  })
  const onAbort = (): void => handle.closeInput()
  call.signal?.addEventListener('abort', onAbort, { once: true })
  const done = await handle.done
  call.signal?.removeEventListener('abort', onAbort)
  const where = `${machine.name} (${machine.host})`
  const sshSaid = done.stderr.trim().split('\n').slice(-3).join(' ').trim()
  const theirs = hello as { fleetVersion: string; protocol: number } | null
  if (theirs === null) {
    if (done.exitCode === 255) {
      const { kind, hint } = classifySshFailure(done.stderr)
      return { ok: false, failure: { kind: 'unreachable', message: `cannot reach ${where} over ssh (${kind}): ${sshSaid || 'ssh exited 255'}`, hint } }
    }
    if (done.exitCode === 127 || done.exitCode === 126 || /command not found|no such file or directory|not found/i.test(done.stderr)) {
      return { ok: false, failure: { kind: 'no-fleet', message: `fleet is not installed on ${where}: ${sshSaid || `the remote shell exited ${done.exitCode}`}`, hint: installHint(machine) } }
    }
    return {
      ok: false,
      failure: {
        kind: 'protocol',
        message: `fleet on ${where} did not answer as fleet ${VERSION} does (exit ${done.exitCode}${sshSaid ? `: ${sshSaid}` : ''}${stray.length > 0 ? `; it printed: ${stray.slice(0, 3).join(' | ').slice(0, 200)}` : ''})`,
        hint: installHint(machine),
      },
    }
  }
  if (theirs.fleetVersion !== VERSION || theirs.protocol !== REMOTE_PROTOCOL) {
    return {
      ok: false,
      failure: { kind: 'version', message: `${where} runs fleet ${theirs.fleetVersion}; this control point runs fleet ${VERSION}, and both must be the same`, hint: installHint(machine) },
    }
  }
  if (exit === null) {
    const lost = done.exitCode === 255 ? classifySshFailure(done.stderr) : null
    return {
      ok: false,
      failure: {
        kind: 'lost',
        message: `${where} stopped answering part way (${lost ? `ssh: ${sshSaid || 'connection closed'}` : `fleet there ended with exit ${done.exitCode}`})`,
        hint: 'Run the command again: an interrupted apply converges on the next run, and the apply lock of a dead run is taken over',
      },
    }
  }
  const e = error as { message: string; hint?: string; code?: string } | null
  if (e?.code === 'version-mismatch') return { ok: false, failure: { kind: 'version', message: `${where}: ${e.message}`, hint: installHint(machine) } }
  return { ok: true, exitCode: exit, out, observed, error: e === null ? null : { message: e.message, ...(e.hint === undefined ? {} : { hint: e.hint }) } }
}
