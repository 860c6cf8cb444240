/**
 * Where things live on the machine fleet runs on. The Hugging Face cache layout is the one src/pull writes
 * (src/pull/paths.ts owns it); these are the read-only views apply and the engines need.
 */
import { homedir } from 'node:os'
import { dirname, join } from 'node:path'
import { resolveHubConfig } from '../hub/config.ts'
import type { Machine } from '../config/types.ts'
import { repoFolderName } from '../pull/paths.ts'

export function snapshotDirOf(hubCache: string, repo: string, commit: string): string {
  return join(hubCache, repoFolderName(repo), 'snapshots', commit)
}

/** launchd writes logs where Console.app finds them on macOS; elsewhere next to fleet's state. */
export function logsDirFor(platform: NodeJS.Platform, home: string, stateRoot: string): string {
  return platform === 'darwin' ? join(home, 'Library', 'Logs', 'fleet') : join(stateRoot, 'logs')
}

/** The hub cache for a machine (its hfCache, else the standard resolution) and the HF_HOME that goes with it. */
export function hubPathsFor(machine: Machine, env: NodeJS.ProcessEnv): { hubCache: string; hfHome: string } {
  const config = resolveHubConfig(env)
  const hubCache = machine.hfCache ?? config.hubCache
  const hfHome = env.HF_HOME ?? (machine.hfCache ? dirname(machine.hfCache) : join(env.XDG_CACHE_HOME ?? join(env.HOME ?? homedir(), '.cache'), 'huggingface'))
  return { hubCache, hfHome }
}
