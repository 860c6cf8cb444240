/**
 * Parser for `launchctl print <domain>/<label>`. Apple's man page says this output "is NOT API" and may change
 * between releases, so the parser reads only a few fields, by key, and ignores everything it does not know. It is
 * tested against outputs recorded on real Macs (test/fixtures/launchctl/, sources in docs/launchd.md).
 *
 * Shape (tab-indented on a real Mac; spaces in pasted copies, so indentation is not relied on):
 *
 *     gui/501/dev.fleet.chat = {
 *         state = running
 *         arguments = {
 *             /opt/homebrew/bin/mlx_lm.server
 *         }
 *         environment = {
 *             HF_HOME => /Users/u/.cache/huggingface
 *         }
 *         pid = 3246
 *         last exit code = (never exited)
 *         resource coalition = {
 *             state = active        <- nested: not the job's state
 *         }
 *     }
 */

export interface PrintInfo {
  /** The `<domain>/<label>` of the header line, or the bare label on old releases; null for a pasted excerpt. */
  readonly target: string | null
  /** `running`, `not running`, `spawn scheduled`, … verbatim. */
  readonly state: string | null
  readonly running: boolean
  readonly pid: number | null
  /** The previous run's exit status; for a running KeepAlive job it is how the last instance ended. */
  readonly lastExitCode: number | null
  /** The raw `last exit code` value: `0`, `78: EX_CONFIG`, `(never exited)`. */
  readonly lastExit: string | null
  /** `Terminated: 15` when the previous run died by a signal (then there is no `last exit code`). */
  readonly lastTerminatingSignal: string | null
  /** Spawns since the job was bootstrapped. */
  readonly runs: number | null
  readonly program: string | null
  readonly arguments: readonly string[]
  readonly workingDirectory: string | null
  readonly stdoutPath: string | null
  readonly stderrPath: string | null
  /** The job's `environment` block (not `default environment` nor `inherited environment`). */
  readonly environment: Readonly<Record<string, string>>
  readonly domain: string | null
  /** The plist the job was loaded from. */
  readonly path: string | null
  /** `LaunchAgent`, `LaunchDaemon`, `Submitted`. */
  readonly type: string | null
  readonly exitTimeout: number | null
  /** `keepalive | runatload | inferred program` split on `|`. */
  readonly properties: readonly string[]
  /** `resource limits = { maxfiles (soft) => N }`: SoftResourceLimits.NumberOfFiles as launchd applied it. */
  readonly maxFilesSoft: number | null
}

interface Collected {
  target: string | null
  fields: Map<string, string>
  arguments: string[]
  environment: Record<string, string>
  resourceLimits: Map<string, string>
}

export function parsePrint(stdout: string): PrintInfo {
  const c = collect(stdout)
  const field = (key: string): string | null => c.fields.get(key) ?? null
  const state = field('state')
  const lastExit = field('last exit code')
  return {
    target: c.target,
    state,
    running: state === 'running',
    pid: integer(field('pid')),
    lastExitCode: lastExit === null ? null : integer(/^-?\d+/.exec(lastExit)?.[0] ?? null),
    lastExit,
    lastTerminatingSignal: field('last terminating signal'),
    runs: integer(field('runs')),
    program: field('program'),
    arguments: c.arguments,
    workingDirectory: field('working directory'),
    stdoutPath: field('stdout path'),
    stderrPath: field('stderr path'),
    environment: c.environment,
    domain: field('domain'),
    path: field('path'),
    type: field('type'),
    exitTimeout: integer(field('exit timeout')),
    properties: (field('properties') ?? '')
      .split('|')
      .map((p) => p.trim())
      .filter((p) => p !== ''),
    maxFilesSoft: integer(c.resourceLimits.get('maxfiles (soft)') ?? null),
  }
}

/**
 * Tracks `{`/`}` nesting instead of indentation. Job fields sit at depth 1 under the `<target> = {` header (depth 0
 * when a pasted excerpt has no header); deeper `x = y` lines belong to nested blocks (coalitions, endpoints) and
 * are ignored, except the three blocks read here.
 */
function collect(stdout: string): Collected {
  const c: Collected = { target: null, fields: new Map(), arguments: [], environment: {}, resourceLimits: new Map() }
  const stack: string[] = []
  let top = 0
  let sawLine = false
  for (const raw of stdout.split(/\r?\n/)) {
    const line = raw.trim()
    if (line === '') continue
    const first = !sawLine
    sawLine = true
    const block = stack.at(-1)
    if (line === '}') {
      stack.pop()
      if (stack.length < top) break // end of the job's dictionary
      continue
    }
    // Argument lines are raw text: one ending in `{` opens nothing.
    if (block === 'arguments' && stack.length === top + 1) {
      c.arguments.push(line)
      continue
    }
    const opener = /^(.+?) =>? \{$/.exec(line)
    if (opener !== null) {
      const name = opener[1] ?? ''
      // The header names a target (gui/501/x, system/x) or, on old releases, a dotted label; field blocks do not.
      if (first && /[/.]/.test(name)) {
        c.target = name
        top = 1
      }
      stack.push(name)
      continue
    }
    if (stack.length === top) {
      const kv = /^(.+?) =(?: (.*))?$/.exec(line)
      if (kv !== null && !c.fields.has(kv[1] ?? '')) c.fields.set(kv[1] ?? '', kv[2] ?? '')
    } else if (stack.length === top + 1 && (block === 'environment' || block === 'resource limits')) {
      const kv = /^(.+?) => (.*)$/.exec(line)
      if (kv === null) continue
      if (block === 'environment') c.environment[kv[1] ?? ''] = kv[2] ?? ''
      else c.resourceLimits.set(kv[1] ?? '', kv[2] ?? '')
    }
  }
  return c
}

function integer(text: string | null): number | null {
  if (text === null || !/^-?\d+$/.test(text)) return null
  const n = Number(text)
  return Number.isSafeInteger(n) ? n : null
}
