/**
 * The one way fleet runs a program to completion — launchctl, plutil, sudo, sysctl, brew, python/pip, ps, an engine's
 * `--version` — and the only module that imports execa (the supervisor, which keeps servers running, spawns them
 * itself). Results are data (execa `reject: false`): a non-zero exit, or a program that cannot be started at all
 * (exit 127, the reason in stderr), is an answer for the caller to read, never an exception. Only an abort through
 * `signal` throws.
 */
import { execa } from 'execa'

export interface RunOptions {
  /** Written to the program's stdin (otherwise stdin is closed: nothing fleet runs may wait for a terminal). */
  readonly input?: string
  readonly cwd?: string
  /** Variables added to fleet's own environment. */
  readonly env?: Readonly<Record<string, string>>
  readonly timeoutMs?: number
  readonly signal?: AbortSignal
}

export interface RunResult {
  /** The program's exit code; 127 when it could not be started at all (not found, not executable). */
  readonly exitCode: number
  readonly stdout: string
  readonly stderr: string
}

/** Runs `file` with `args` to completion. Injected wherever fleet runs a program, so tests can script the answers. */
export type ProgramRunner = (file: string, args: readonly string[], options?: RunOptions) => Promise<RunResult>

export const runProgram: ProgramRunner = async (file, args, options = {}) => {
  const result = await execa(file, [...args], {
    reject: false,
    ...(options.input === undefined ? { stdin: 'ignore' as const } : { input: options.input }),
    ...(options.cwd === undefined ? {} : { cwd: options.cwd }),
    ...(options.env === undefined ? {} : { env: options.env }),
    ...(options.timeoutMs === undefined ? {} : { timeout: options.timeoutMs }),
    ...(options.signal === undefined ? {} : { cancelSignal: options.signal }),
  })
  if (result.isCanceled) throw options.signal?.reason ?? new Error(`${result.command} was cancelled`)
  const started = result.exitCode !== undefined
  return {
    exitCode: result.exitCode ?? 127,
    stdout: String(result.stdout ?? ''),
    // A program that never ran has no stderr; the reason (ENOENT, EACCES, a timeout) is execa's short message.
    stderr: String(result.stderr ?? '') || (started && !result.timedOut ? '' : (result.shortMessage ?? `cannot run ${file}`)),
  }
}

/** "`cmd args` failed with exit N: <last lines of stderr>", for error messages. */
export function describeFailure(file: string, args: readonly string[], result: RunResult): string {
  const detail = result.stderr.trim().split('\n').slice(-5).join('\n')
  return `\`${[file, ...args].join(' ')}\` failed with exit ${result.exitCode}${detail ? `: ${detail}` : ''}`
}

export interface StreamOptions {
  /** Written to stdin at start; stdin stays open until `closeInput()` or the program ends. */
  readonly input: string
  readonly env?: Readonly<Record<string, string>>
  /** Each complete line of stdout, as it arrives. */
  readonly onLine: (line: string) => void
  readonly signal?: AbortSignal
}

export interface StreamHandle {
  /** Resolves when the program has ended: its exit code (127 when it could not start) and all of stderr. */
  readonly done: Promise<{ readonly exitCode: number; readonly stderr: string }>
  /** Closes the program's stdin (for ssh: the remote side sees end of input). */
  closeInput(): void
}

/**
 * Runs `file` with a long-lived stdin and line-wise stdout: how fleet talks to `fleet agent` over ssh. Like runProgram,
 * a failure is an answer (exit code, stderr), never an exception.
 */
export function runStreaming(file: string, args: readonly string[], options: StreamOptions): StreamHandle {
  const child = execa(file, [...args], {
    reject: false,
    stdin: 'pipe',
    buffer: { stdout: false, stderr: true },
    // Its own process group: Ctrl-C on the terminal reaches fleet, which closes stdin so the far end can roll back and
    // report, instead of killing ssh and cutting the connection mid-change.
    detached: true,
    ...(options.env === undefined ? {} : { env: options.env }),
    ...(options.signal === undefined ? {} : { cancelSignal: options.signal }),
  })
  let pending = ''
  child.stdout?.setEncoding('utf8')
  child.stdout?.on('data', (chunk: string) => {
    pending += chunk
    let newline = pending.indexOf('\n')
    while (newline >= 0) {
      options.onLine(pending.slice(0, newline))
      pending = pending.slice(newline + 1)
      newline = pending.indexOf('\n')
    }
  })
  child.stdin?.on('error', () => {}) // the program may exit before reading everything: its exit code says why
  child.stdin?.write(options.input)
  const done = child.then((result) => {
    if (pending !== '') options.onLine(pending)
    return {
      exitCode: result.exitCode ?? 127,
      stderr: String(result.stderr ?? '') || (result.exitCode === undefined ? (result.shortMessage ?? `cannot run ${file}`) : ''),
    }
  })
  return { done, closeInput: () => void child.stdin?.end() }
}
