/**
 * Applies the machine-level resource `gpuWiredLimit`: a root LaunchDaemon that sets iogpu.wired_limit_mb at every
 * boot, plus the value in force now. Needs sudo, so apply shows the exact commands and asks (or runs them with --yes).
 * What to change was decided by the plan (src/plan/diff.ts wiredLimitChange); this executes its step.
 */
import { UserError } from '../errors.ts'
import { runProgram, type ProgramRunner } from '../process/run.ts'
import type { ChangeStep } from '../plan/types.ts'
import { formatCommand, wiredLimitInstallCommands, wiredLimitRemoveCommands, type PrivilegedCommand } from '../services/wired-limit.ts'

/** The sudo commands that bring the machine to the plan's wired-limit step. */
export function commandsFor(step: Extract<ChangeStep, { step: 'wiredLimit' }>): PrivilegedCommand[] {
  return step.declaredMiB === null ? wiredLimitRemoveCommands() : wiredLimitInstallCommands(step.declaredMiB)
}

/**
 * Shows every command, asks once, then runs them in order (retrying launchd's "still releasing" statuses).
 * `confirm` returns false when the user declines (or cannot be asked and gave no --yes).
 */
export async function runPrivileged(
  commands: readonly PrivilegedCommand[],
  confirm: (shown: string) => Promise<boolean>,
  run: ProgramRunner = runProgram,
  sleep = (ms: number) => new Promise((r) => setTimeout(r, ms)),
): Promise<void> {
  const shown = commands.map((c) => `  # ${c.why}\n  ${formatCommand(c).replaceAll('\n', '\n  ')}`).join('\n')
  if (!(await confirm(shown))) {
    throw new UserError('the GPU wired limit was not changed: it needs sudo and was not confirmed', { hint: 'Run fleet apply on a terminal and answer y, or pass --yes (sudo must be able to run)' })
  }
  for (const command of commands) {
    for (let attempt = 1; ; attempt++) {
      const [file = '', ...args] = command.argv
      const result = await run(file, args, command.stdin === undefined ? {} : { input: command.stdin })
      if (command.okExitCodes.includes(result.exitCode)) break
      if (command.retryExitCodes.includes(result.exitCode) && attempt < 10) {
        await sleep(1000)
        continue
      }
      throw new UserError(`\`${command.argv.join(' ')}\` failed with exit ${result.exitCode}: ${result.stderr.trim()}`, { hint: 'Check that you can run sudo on this Mac' })
    }
  }
}
