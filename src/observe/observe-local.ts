/** The real adapters behind ObservePorts on the machine fleet runs on: the service backend, the cache, HTTP, sysctl. */
import { existsSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { DesiredRank, DesiredService } from '../plan/desired.ts'
import type { MachineObservation, WiredLimitObservation } from '../plan/observation.ts'
import { runProgram } from '../process/run.ts'
import { freeBytes, missingBytes } from '../pull/disk.ts'
import { repoFolderName } from '../pull/paths.ts'
import { parseSysctlWiredLimit, WIRED_LIMIT_PLIST_PATH, WIRED_LIMIT_STATUS_ARGV } from '../services/wired-limit.ts'
import type { LocalRuntime } from './local.ts'
import { answersOverHttp, observeMachine } from './machine.ts'

/** The wired limit in force (sysctl) and whether its boot daemon is installed. */
export async function observeWiredLimit(): Promise<WiredLimitObservation> {
  const [file, ...args] = WIRED_LIMIT_STATUS_ARGV.sysctl
  const sysctl = await runProgram(file, args)
  return { inForceMiB: sysctl.exitCode === 0 ? parseSysctlWiredLimit(sysctl.stdout) : null, daemonInstalled: existsSync(WIRED_LIMIT_PLIST_PATH) }
}

export function observeLocal(runtime: LocalRuntime, desired: readonly DesiredService[], ranks: readonly DesiredRank[] = []): Promise<MachineObservation> {
  const hubCache = runtime.context.hubCache
  return observeMachine(
    runtime.machine.name,
    desired,
    {
      backend: runtime.backend,
      missingBytes: (model) => missingBytes(model.files, hubCache, model.repo),
      freeBytes: () => freeBytes(hubCache),
      refMatches: async (model) => {
        try {
          return (await readFile(join(hubCache, repoFolderName(model.repo), 'refs', model.revision ?? 'main'), 'utf8')).trim() === model.commit
        } catch {
          return false
        }
      },
      answers: (probe) => answersOverHttp(probe),
      // The GPU wired limit exists only on macOS; elsewhere there is nothing to observe or set.
      wiredLimit: async () => (runtime.backend.kind === 'launchd' ? observeWiredLimit() : null),
    },
    ranks.map((r) => r.model),
    // mlx-lm across machines loads by repo id on every rank: the ref must name the locked commit.
    [...ranks.filter((r) => r.deployment.engine === 'mlx-lm').map((r) => r.model), ...desired.flatMap((d) => (d.rank && d.deployment.engine === 'mlx-lm' && d.model ? [d.model] : []))],
  )
}
