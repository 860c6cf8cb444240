/**
 * The LaunchAgent property list of one deployment: rendered from templates/launchd-agent.plist, and read back from
 * ~/Library/LaunchAgents to see what is installed (drift detection). Values are placed in the parsed template object
 * and serialised by the `plist` package, never spliced into XML text, so escaping is the builder's job.
 */
import { posix } from 'node:path'
import { InternalError, UserError } from '../errors.ts'
import { buildPlist, isDict, loadPlistTemplate, parsePlistXml, xmlSafe, type PlistDict } from './launchd-template.ts'
import { SERVICE_LABEL_PREFIX, serviceLabel, type ServiceSpec } from './types.ts'

export const AGENT_TEMPLATE_URL = new URL('../../templates/launchd-agent.plist', import.meta.url)

/** Keys whose values come from the ServiceSpec; every other template key is copied as is. */
const FILLED_KEYS = ['Label', 'ProgramArguments', 'EnvironmentVariables', 'WorkingDirectory', 'StandardOutPath', 'StandardErrorPath', 'ThrottleInterval', 'ExitTimeOut', 'SoftResourceLimits'] as const
/** Fixed policy keys (docs/launchd.md explains each). The template must carry exactly these plus FILLED_KEYS. */
const FIXED_KEYS = ['RunAtLoad', 'KeepAlive', 'ProcessType', 'LimitLoadToSessionType'] as const

type FilledKey = (typeof FILLED_KEYS)[number]

/** ~/Library/LaunchAgents/<label>.plist: the per-user agent folder launchd reads at login (gui) or boot (user). */
export function agentPlistPath(home: string, label: string): string {
  return posix.join(home, 'Library', 'LaunchAgents', `${label}.plist`)
}

/** ~/Library/Logs/fleet/<deployment>.{out,err}.log, absolute (launchd does not expand `~`). */
export function agentLogPaths(home: string, deployment: string): { stdoutPath: string; stderrPath: string } {
  const dir = posix.join(home, 'Library', 'Logs', 'fleet')
  return { stdoutPath: posix.join(dir, `${deployment}.out.log`), stderrPath: posix.join(dir, `${deployment}.err.log`) }
}

export function renderAgentPlist(spec: ServiceSpec): string {
  checkSpec(spec)
  const template = loadPlistTemplate(AGENT_TEMPLATE_URL)
  checkTemplateKeys(template)
  const filled = filledValues(spec)
  const out: PlistDict = {}
  // Walk the template so the rendered key order is the template's order (stable golden files, readable diffs).
  for (const [key, value] of Object.entries(template)) {
    out[key] = isFilledKey(key) ? filled[key] : value
  }
  return buildPlist(out)
}

function filledValues(spec: ServiceSpec): Record<FilledKey, PlistDict[string]> {
  const what = `deployment "${spec.deployment}"`
  // Sorted so the same environment always renders the same bytes, however the caller assembled it: install()
  // compares bytes to decide whether the loaded definition must be replaced.
  const env: PlistDict = {}
  for (const name of Object.keys(spec.env).sort()) {
    env[xmlSafe(name, `${what}: the name of environment variable ${JSON.stringify(name)}`)] = xmlSafe(spec.env[name] ?? '', `${what}: environment variable ${name}`)
  }
  return {
    Label: spec.label,
    ProgramArguments: [spec.program, ...spec.args].map((arg, i) => xmlSafe(arg, `${what}: argument ${i}`)),
    EnvironmentVariables: env,
    WorkingDirectory: xmlSafe(spec.workingDirectory, `${what}: working directory`),
    StandardOutPath: xmlSafe(spec.stdoutPath, `${what}: stdout path`),
    StandardErrorPath: xmlSafe(spec.stderrPath, `${what}: stderr path`),
    ThrottleInterval: spec.throttleSeconds,
    ExitTimeOut: spec.exitTimeoutSeconds,
    SoftResourceLimits: { NumberOfFiles: spec.numberOfFiles },
  }
}

/** Invariants of ServiceSpec that the config layer guarantees; a violation is a fleet bug, not user input. */
function checkSpec(spec: ServiceSpec): void {
  if (spec.label !== serviceLabel(spec.deployment)) {
    throw new InternalError(`service label "${spec.label}" does not match deployment "${spec.deployment}"`)
  }
  // launchd execs ProgramArguments[0] without a PATH search and does not expand `~`: every path must be absolute.
  const paths = { program: spec.program, workingDirectory: spec.workingDirectory, stdoutPath: spec.stdoutPath, stderrPath: spec.stderrPath }
  for (const [name, value] of Object.entries(paths)) {
    if (!posix.isAbsolute(value)) throw new InternalError(`${spec.label}: ${name} "${value}" is not an absolute path`)
  }
  const counts = { throttleSeconds: [spec.throttleSeconds, 0], exitTimeoutSeconds: [spec.exitTimeoutSeconds, 0], numberOfFiles: [spec.numberOfFiles, 1] } as const
  for (const [name, [value, min]] of Object.entries(counts)) {
    // launchd reads these keys as integers; a real would be ignored or rejected.
    if (!Number.isSafeInteger(value) || value < min) throw new InternalError(`${spec.label}: ${name} must be an integer ≥ ${min}, got ${value}`)
  }
  for (const name of Object.keys(spec.env)) {
    if (name === '' || name.includes('=')) {
      throw new UserError(`deployment "${spec.deployment}": ${JSON.stringify(name)} is not a valid environment variable name`, {
        hint: 'Names must be non-empty and must not contain "=".',
      })
    }
  }
}

function checkTemplateKeys(template: PlistDict): void {
  const expected = new Set<string>([...FILLED_KEYS, ...FIXED_KEYS])
  const actual = new Set(Object.keys(template))
  const missing = [...expected].filter((k) => !actual.has(k))
  const extra = [...actual].filter((k) => !expected.has(k))
  if (missing.length > 0 || extra.length > 0) {
    throw new InternalError(`templates/launchd-agent.plist keys differ from the renderer's: missing [${missing.join(', ')}], unknown [${extra.join(', ')}]`)
  }
}

function isFilledKey(key: string): key is FilledKey {
  return (FILLED_KEYS as readonly string[]).includes(key)
}

/**
 * Reads an installed agent back into the spec it was rendered from. Only the spec's keys are read: the fixed policy
 * keys are not part of ServiceSpec, so drift in them is caught by comparing renderAgentPlist(spec) with the file's
 * bytes, which LaunchdBackend.install does. A plist that lacks a spec key was not written by fleet (or was edited):
 * that is a UserError naming the key, so `apply` can report it and replace the file.
 */
export function parseAgentPlist(xml: string, source = 'the installed LaunchAgent'): ServiceSpec {
  const root = parseDict(xml, source)
  const get = fieldReader(root, source)
  const label = get.string('Label')
  if (!label.startsWith(SERVICE_LABEL_PREFIX) || label.length === SERVICE_LABEL_PREFIX.length) {
    throw notFleets(source, `its Label "${label}" does not start with ${SERVICE_LABEL_PREFIX}`)
  }
  const argv = get.stringArray('ProgramArguments')
  const [program, ...args] = argv
  if (program === undefined) throw notFleets(source, 'ProgramArguments is empty')
  const limits = get.dict('SoftResourceLimits')
  return {
    label,
    deployment: label.slice(SERVICE_LABEL_PREFIX.length),
    program,
    args,
    env: get.stringDict('EnvironmentVariables'),
    workingDirectory: get.string('WorkingDirectory'),
    stdoutPath: get.string('StandardOutPath'),
    stderrPath: get.string('StandardErrorPath'),
    throttleSeconds: get.integer('ThrottleInterval'),
    exitTimeoutSeconds: get.integer('ExitTimeOut'),
    numberOfFiles: fieldReader(limits, `${source} SoftResourceLimits`).integer('NumberOfFiles'),
  }
}

function parseDict(xml: string, source: string): PlistDict {
  let value: unknown
  try {
    value = parsePlistXml(xml)
  } catch (cause) {
    throw new UserError(`${source} is not a valid XML property list: ${(cause as Error).message}`, {
      cause,
      hint: 'Check it with `plutil -lint`; `fleet apply` rewrites it.',
    })
  }
  if (!isDict(value)) throw notFleets(source, 'its root is not a dictionary')
  return value
}

function fieldReader(dict: PlistDict, source: string) {
  const field = (key: string): unknown => {
    const value = dict[key]
    if (value === undefined) throw notFleets(source, `it has no ${key}`)
    return value
  }
  const wrongType = (key: string, type: string) => notFleets(source, `${key} is not ${type}`)
  return {
    string(key: string): string {
      const value = field(key)
      if (typeof value !== 'string') throw wrongType(key, 'a string')
      return value
    },
    integer(key: string): number {
      const value = field(key)
      if (typeof value !== 'number' || !Number.isSafeInteger(value)) throw wrongType(key, 'an integer')
      return value
    },
    dict(key: string): PlistDict {
      const value = field(key)
      if (!isDict(value)) throw wrongType(key, 'a dictionary')
      return value
    },
    stringArray(key: string): string[] {
      const value = field(key)
      if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) throw wrongType(key, 'an array of strings')
      return value as string[]
    },
    stringDict(key: string): Record<string, string> {
      const value = field(key)
      if (!isDict(value) || !Object.values(value).every((v) => typeof v === 'string')) throw wrongType(key, 'a dictionary of strings')
      return { ...(value as Record<string, string>) }
    },
  }
}

function notFleets(source: string, why: string): UserError {
  return new UserError(`${source} is not a LaunchAgent fleet wrote: ${why}`, {
    hint: '`fleet apply` replaces it with the declared definition.',
  })
}
