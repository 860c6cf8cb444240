/**
 * A thin adapter around `launchctl`. Every call goes through an injectable runner, so tests drive a simulated
 * launchctl and the real one is only touched on a Mac. Non-zero exits are data, not exceptions (execa's
 * `reject: false`): for launchctl they are routine answers ("not loaded", "still stopping").
 */
import { runProgram, type ProgramRunner, type RunResult } from '../process/run.ts'

export { parsePrint, type PrintInfo } from './launchd-print.ts'

export type CommandResult = RunResult

/** One program bound to its path (launchctl, plutil): the process runner with the file filled in. */
export type CommandRunner = (args: readonly string[]) => Promise<CommandResult>

/**
 * Exit statuses seen in recorded outputs (test/fixtures/launchctl/*.source has the thread for each).
 * launchctl prints them as `<verb> failed: <code>: <strerror>`.
 */
export const LAUNCHCTL_EXIT = {
  /** `Boot-out failed: 3: No such process`: bootout of a label that is not loaded. */
  noSuchProcess: 3,
  /** `Bootstrap failed: 5: Input/output error`: already loaded, or a bootout still cleaning up (~5 s). */
  ioError: 5,
  /** `Boot-out failed: 36: Operation now in progress`: the job is still stopping. */
  inProgress: 36,
  /** `Bootstrap failed: 37: Operation already in progress` / `service already loaded`. */
  alreadyInProgress: 37,
  /** Usage error, e.g. `bootout --wait` on releases without it. */
  usage: 64,
  /** Reported for a `gui/<uid>` probe when no one is logged in at the screen (older releases). */
  domainNotFound: 112,
  /** `Could not find service "<label>" in domain for …`: print / kickstart of an unknown label. */
  serviceNotFound: 113,
  /** `Domain does not support specified action`: gui/<uid> without a GUI session (ssh, headless). */
  domainUnsupported: 125,
} as const

/** Where a normal install finds launchctl; absolute, so a PATH without /bin still works. */
export const LAUNCHCTL_PATH = '/bin/launchctl'

/** `file` run through the one process runner. A failure to start at all (ENOENT) is exit 127 with the reason. */
export function programAt(file: string, run: ProgramRunner = runProgram): CommandRunner {
  return (args) => run(file, args)
}

export const defaultLaunchctlRunner: CommandRunner = programAt(LAUNCHCTL_PATH)

/** The five launchctl verbs fleet uses, as argument vectors (the argv tests assert against). */
export class Launchctl {
  constructor(private readonly run: CommandRunner) {}

  print(target: string): Promise<CommandResult> {
    return this.run(['print', target])
  }

  /** Loads `plistPath` into `domain`; with RunAtLoad the job starts right away. */
  bootstrap(domain: string, plistPath: string): Promise<CommandResult> {
    return this.run(['bootstrap', domain, plistPath])
  }

  /** Unloads `<domain>/<label>`. Asynchronous: exit 0 means stopping has begun, not finished. */
  bootout(target: string): Promise<CommandResult> {
    return this.run(['bootout', target])
  }

  /** Clears a persistent "disabled" override (it survives reboots and beats the plist). Harmless when enabled. */
  enable(target: string): Promise<CommandResult> {
    return this.run(['enable', target])
  }

  /** `-k` kills the running instance first; without it, kickstart of a running job does nothing. */
  kickstart(target: string, options: { kill: boolean }): Promise<CommandResult> {
    return this.run(options.kill ? ['kickstart', '-k', target] : ['kickstart', target])
  }
}

/**
 * `gui/<uid>` when that domain exists (someone is logged in at the screen as this user), else `user/<uid>`: the
 * per-user background domain, which exists without a GUI login (ssh sessions, a headless Mac after a reboot).
 * Probing with `print gui/<uid>` is what brew, openclaw and hermes-agent do; without a GUI session it exits
 * non-zero (112 or 125 depending on the release).
 */
export async function domainFor(run: CommandRunner, uid: number): Promise<string> {
  const probe = await run(['print', `gui/${uid}`])
  return probe.exitCode === 0 ? `gui/${uid}` : `user/${uid}`
}
