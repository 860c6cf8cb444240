/**
 * The macOS ServiceBackend: each deployment is a LaunchAgent, ~/Library/LaunchAgents/dev.fleet.<deployment>.plist,
 * loaded into gui/<uid> (someone logged in at the screen) or user/<uid> (ssh, headless). The sequences follow
 * protocols.md §5.4; docs/launchd.md explains each step and the exit codes.
 */
import { posix } from 'node:path'
import { UserError } from '../errors.ts'
import { Launchctl, defaultLaunchctlRunner, domainFor, programAt, parsePrint, type CommandResult, type CommandRunner } from './launchctl.ts'
import { nodeLaunchdFs, type LaunchdFs } from './launchd-fs.ts'
import { isNotLoaded, launchctlFailure, load, unload, type Waiting } from './launchd-lifecycle.ts'
import { agentPlistPath, parseAgentPlist, renderAgentPlist } from './plist.ts'
import { SERVICE_LABEL_PREFIX, type ServiceBackend, type ServiceSpec, type ServiceState } from './types.ts'

export interface LaunchdBackendOptions {
  readonly home: string
  readonly uid: number
  /** Runs launchctl. */
  readonly runner: CommandRunner
  readonly fs: LaunchdFs
  readonly sleep: (ms: number) => Promise<void>
  /** Runs plutil; when given, `plutil -lint` checks the new plist before it replaces the installed one. */
  readonly plutil?: CommandRunner
  /** A fixed domain (`gui/501`, `user/501`) instead of probing. */
  readonly domain?: string
  /** Between two polls of `print` and two bootstrap attempts. Default 1000 (brew sleeps 1 s too). */
  readonly pollIntervalMs?: number
  /** Bootstrap attempts while launchd answers 5/37. Default 10: covers the ~5 s window measured after a bootout. */
  readonly bootstrapAttempts?: number
}

/** Added to a job's ExitTimeOut when waiting for it to unload (launchd's own cleanup runs after the kill). */
const UNLOAD_MARGIN_SECONDS = 5
/** The wait bound when the plist is unreadable or ExitTimeOut is 0 (launchd: "interpreted as infinity"). */
const UNLOAD_FALLBACK_SECONDS = 60

/** `dev.fleet.<deployment>.plist`; a leftover `.plist.tmp` does not match. */
const FLEET_PLIST = new RegExp(`^(${SERVICE_LABEL_PREFIX.replaceAll('.', '\\.')}.+)\\.plist$`)

export class LaunchdBackend implements ServiceBackend {
  readonly kind = 'launchd'
  private readonly ctl: Launchctl
  private readonly wait: Waiting
  private domainPromise: Promise<string> | undefined

  constructor(private readonly options: LaunchdBackendOptions) {
    this.ctl = new Launchctl(options.runner)
    this.wait = { sleep: options.sleep, pollIntervalMs: options.pollIntervalMs ?? 1000 }
  }

  /** The launchd domain every command targets; probed once per backend. */
  domain(): Promise<string> {
    this.domainPromise ??= this.options.domain === undefined ? domainFor(this.options.runner, this.options.uid) : Promise.resolve(this.options.domain)
    return this.domainPromise
  }

  async install(spec: ServiceSpec): Promise<void> {
    const xml = renderAgentPlist(spec)
    const path = agentPlistPath(this.options.home, spec.label)
    const installed = await this.options.fs.readText(path)
    const unchanged = installed === xml
    if (!unchanged) await this.writePlist(spec, path, xml)
    const domain = await this.domain()
    const target = `${domain}/${spec.label}`
    this.check(['enable', target], await this.ctl.enable(target))
    const printed = await this.ctl.print(target)
    const loaded = printed.exitCode === 0
    if (!loaded && !isNotLoaded(printed)) throw launchctlFailure(['print', target], printed)
    // The old job's ExitTimeOut governs how long it may take to stop.
    const unloadSeconds = this.unloadSeconds(installed, spec)
    await this.unloadFromUserDomain(domain, spec.label, unloadSeconds)
    if (loaded) {
      if (unchanged && loadedFromSameArgv(printed.stdout, spec)) return this.ensureRunning(target, printed.stdout)
      await unload(this.ctl, target, unloadSeconds, this.wait)
    }
    // RunAtLoad starts the job as part of bootstrap. No kickstart after it: a kickstart racing the job that
    // bootstrap just started is answered 37 (headroomlabs-ai/headroom#1289).
    await load(this.ctl, domain, path, target, this.options.bootstrapAttempts ?? 10, this.wait)
  }

  async remove(label: string): Promise<void> {
    const path = agentPlistPath(this.options.home, label)
    const installed = await this.options.fs.readText(path)
    const domain = await this.domain()
    await unload(this.ctl, `${domain}/${label}`, this.unloadSeconds(installed), this.wait)
    await this.unloadFromUserDomain(domain, label, this.unloadSeconds(installed))
    // Only after the unload: launchd reloads ~/Library/LaunchAgents at the next login from whatever is there.
    await this.options.fs.remove(path)
    await this.options.fs.remove(`${path}.tmp`)
  }

  async restart(label: string): Promise<void> {
    const target = `${await this.domain()}/${label}`
    const result = await this.ctl.kickstart(target, { kill: true })
    if (isNotLoaded(result)) {
      throw new UserError(`${label} is not loaded in ${await this.domain()}, so it cannot be restarted`, {
        hint: 'Run `fleet apply` to install it.',
      })
    }
    this.check(['kickstart', '-k', target], result)
  }

  async state(label: string): Promise<ServiceState> {
    const target = `${await this.domain()}/${label}`
    const printed = await this.ctl.print(target)
    if (isNotLoaded(printed)) {
      return { label, loaded: false, running: false, pid: null, lastExitCode: null, startedAt: null, restarts: null }
    }
    this.check(['print', target], printed)
    const info = parsePrint(printed.stdout)
    return {
      label,
      loaded: true,
      running: info.running,
      pid: info.pid,
      lastExitCode: info.lastExitCode,
      // launchctl print shows no start time.
      startedAt: null,
      // `runs` counts spawns since the last bootstrap, and every install bootstraps.
      restarts: info.runs === null ? null : Math.max(0, info.runs - 1),
    }
  }

  async list(): Promise<string[]> {
    const names = await this.options.fs.list(this.agentsDir())
    return names.flatMap((name) => FLEET_PLIST.exec(name)?.[1] ?? []).sort()
  }

  async installedSpec(label: string): Promise<ServiceSpec | null> {
    const path = agentPlistPath(this.options.home, label)
    const xml = await this.options.fs.readText(path)
    return xml === null ? null : parseAgentPlist(xml, path)
  }

  private agentsDir(): string {
    return posix.join(this.options.home, 'Library', 'LaunchAgents')
  }

  /** Write-then-rename, so launchd (which rereads the folder at login) never sees a partial file. */
  private async writePlist(spec: ServiceSpec, path: string, xml: string): Promise<void> {
    const { fs } = this.options
    // launchd creates the log files but not their folders; a missing one makes the job exit 78 (EX_CONFIG).
    for (const dir of new Set([this.agentsDir(), posix.dirname(spec.stdoutPath), posix.dirname(spec.stderrPath), spec.workingDirectory])) {
      await fs.mkdirp(dir)
    }
    const tmp = `${path}.tmp`
    await fs.remove(tmp)
    await fs.writeText(tmp, xml)
    if (this.options.plutil !== undefined) {
      const lint = await this.options.plutil(['-lint', tmp])
      if (lint.exitCode !== 0) {
        await fs.remove(tmp)
        throw new UserError(`plutil rejected the LaunchAgent rendered for ${spec.label}: ${(lint.stdout + lint.stderr).trim()}`)
      }
    }
    await fs.rename(tmp, path)
  }

  /**
   * fleet picks gui/<uid> or user/<uid> per run, so a job installed over ssh (user/) is still loaded there when a
   * later run from the desktop (gui/) installs it again: two servers on one port. Working in gui/, fleet unloads
   * its label from user/ too. The reverse cannot happen: user/ is chosen only when gui/ does not exist.
   */
  private async unloadFromUserDomain(domain: string, label: string, timeoutSeconds: number): Promise<void> {
    if (!domain.startsWith('gui/')) return
    const other = `user/${domain.slice('gui/'.length)}/${label}`
    if ((await this.ctl.print(other)).exitCode === 0) await unload(this.ctl, other, timeoutSeconds, this.wait)
  }

  /** Same definition already loaded: leave a running job alone (no model reload); start a stopped one. */
  private async ensureRunning(target: string, printed: string): Promise<void> {
    if (parsePrint(printed).running) return
    this.check(['kickstart', target], await this.ctl.kickstart(target, { kill: false }))
  }

  private unloadSeconds(installedXml: string | null, fallback?: ServiceSpec): number {
    let exitTimeout = fallback?.exitTimeoutSeconds ?? 0
    if (installedXml !== null) {
      try {
        exitTimeout = parseAgentPlist(installedXml).exitTimeoutSeconds
      } catch {
        // An unreadable plist still gets unloaded; the fallback bound applies.
      }
    }
    return (exitTimeout > 0 ? exitTimeout : UNLOAD_FALLBACK_SECONDS) + UNLOAD_MARGIN_SECONDS
  }

  private check(args: readonly string[], result: CommandResult): void {
    if (result.exitCode !== 0) throw launchctlFailure(args, result)
  }
}

/**
 * The file on disk can be newer than the loaded job (a run killed between writing the plist and reloading it), so
 * an unchanged file is trusted only if launchd's copy runs the same argv. Arguments containing a newline print over
 * several lines and cannot be compared: those count as the same rather than forcing a model reload on every run.
 */
function loadedFromSameArgv(printed: string, spec: ServiceSpec): boolean {
  const argv = [spec.program, ...spec.args]
  if (argv.some((arg) => arg.includes('\n'))) return true
  const loaded = parsePrint(printed).arguments
  return loaded.length === argv.length && loaded.every((arg, i) => arg === argv[i])
}

/** The backend wired to the real machine: /bin/launchctl, /usr/bin/plutil, node:fs and setTimeout. */
export function createLaunchdBackend(home: string, uid: number): LaunchdBackend {
  return new LaunchdBackend({
    home,
    uid,
    runner: defaultLaunchctlRunner,
    plutil: programAt('/usr/bin/plutil'),
    fs: nodeLaunchdFs,
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  })
}
