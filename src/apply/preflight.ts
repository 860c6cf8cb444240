/**
 * Before the head of a deployment across machines starts its launcher: every rank is reached the way mlx.launch
 * reaches it (ssh HOST from this machine, no password prompt) and has the engine at the path the launcher will run.
 * An adapter (it runs ssh); what it checks comes from the plan (PlannedService.preflight).
 */
import { tcpAccepts } from '../engines/runtime/tcp.ts'
import type { PreflightCheck } from '../plan/types.ts'
import type { ProgramRunner } from '../process/run.ts'
import { classifySshFailure, shellQuote, sshCommandArgv } from '../remote/ssh.ts'

const CHECK_TIMEOUT_MS = 30_000
const TCP_TIMEOUT_MS = 5000

export async function runPreflight(checks: readonly PreflightCheck[], deps: { run: ProgramRunner; env: NodeJS.ProcessEnv; here: string }, signal?: AbortSignal): Promise<string[]> {
  const problems = await Promise.all(
    checks.map(async (check): Promise<string | null> => {
      if (check.kind === 'tcp') {
        const result = await tcpAccepts(check.host, check.port, { timeoutMs: TCP_TIMEOUT_MS, ...(signal ? { signal } : {}) })
        return result.ok ? null : `${deps.here} cannot reach ${check.machine}'s rpc-server at ${check.host}:${check.port} (${result.reason})`
      }
      // One line the remote shell runs: report the first program that is missing, so the message can name it.
      const remote = check.executables.map((p) => `test -x ${shellQuote(p)} || { echo ${shellQuote(p)}; exit 3; }`).join('; ')
      const { file, args } = sshCommandArgv(check.host, remote, deps.env)
      const result = await deps.run(file, args, { timeoutMs: CHECK_TIMEOUT_MS, ...(signal ? { signal } : {}) })
      if (result.exitCode === 0) return null
      if (result.exitCode === 3) {
        return `${check.machine} has no ${result.stdout.trim()} (mlx.launch runs the same command, at the same path, on every rank)`
      }
      const said = result.stderr.trim().split('\n').at(-1) ?? ''
      const { kind } = classifySshFailure(result.stderr)
      return `${deps.here} cannot reach ${check.machine} with ssh ${check.host} without a password (${kind}${said ? `: ${said}` : ''})`
    }),
  )
  return problems.filter((p): p is string => p !== null)
}
