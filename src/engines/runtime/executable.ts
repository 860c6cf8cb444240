/**
 * Where an engine's executable is on THIS machine, from fleet.yaml `engines:` (EngineSource): a path, a Homebrew
 * formula, or a pinned pip requirement installed into a virtual environment fleet manages. Resolution never installs;
 * it says whether `fleet apply` could (`installable`) and how a user would (`hint`). File checks and commands are
 * injected so tests run for real against temporary directories without touching the machine's Homebrew or Python.
 */
import { constants } from 'node:fs'
import { access, stat } from 'node:fs/promises'
import { delimiter, isAbsolute, join, posix, resolve } from 'node:path'
import { runProgram, type ProgramRunner } from '../../process/run.ts'
import type { EngineSource } from '../../config/types.ts'
import type { ServedEngineId } from '../../config/written.ts'
import { ENGINE_MODULES } from '../index.ts'
import { UserError } from '../../errors.ts'

export type ExecutableResolution = { readonly ok: true; readonly path: string } | { readonly ok: false; readonly reason: string; readonly hint: string; readonly installable: boolean }

export interface ExecutableDeps {
  readonly isExecutable: (path: string) => Promise<boolean>
  readonly run: ProgramRunner
  /** The PATH to search (brew, a command's program). */
  readonly searchPath: string
}

/** The program each engine is started as (its module's Homebrew bin/ name and Python console script alike). */
export function engineBinary(engine: ServedEngineId): string {
  return ENGINE_MODULES[engine].executable.binary
}

/** Homebrew's default prefixes: Apple silicon, then Intel. */
const BREW_CANDIDATES = ['/opt/homebrew/bin/brew', '/usr/local/bin/brew']

export async function isExecutableFile(path: string): Promise<boolean> {
  try {
    const info = await stat(path)
    if (!info.isFile()) return false
    await access(path, constants.X_OK)
    return true
  } catch {
    return false
  }
}

function depsWith(overrides: Partial<ExecutableDeps> = {}): ExecutableDeps {
  return { isExecutable: isExecutableFile, run: runProgram, searchPath: process.env.PATH ?? '', ...overrides }
}

type PythonSource = Extract<EngineSource, { kind: 'python' }>

/** `<stateRoot>/venvs/<package>-<version>`: one environment per pinned version, so upgrading never breaks a running one. */
export function pythonVenvDir(source: PythonSource, stateRoot: string): string {
  return join(stateRoot, 'venvs', `${source.package}-${source.version}`)
}

export async function resolveExecutable(engine: ServedEngineId, source: EngineSource, options: { stateRoot: string; deps?: Partial<ExecutableDeps> }): Promise<ExecutableResolution> {
  const deps = depsWith(options.deps)
  const binary = engineBinary(engine)
  switch (source.kind) {
    case 'path':
      return resolveDeclaredPath(engine, source.path, deps)
    case 'brew':
      return resolveBrew(source.formula, binary, deps)
    case 'python':
      return resolvePython(source, binary, options.stateRoot, deps)
  }
}

async function resolveDeclaredPath(engine: ServedEngineId, path: string, deps: ExecutableDeps): Promise<ExecutableResolution> {
  if (!isAbsolute(path)) {
    return { ok: false, reason: `engines.${engine}.path "${path}" is not an absolute path`, hint: `write it in full, e.g. /opt/homebrew/bin/${engineBinary(engine)}`, installable: false }
  }
  if (await deps.isExecutable(path)) return { ok: true, path }
  return { ok: false, reason: `${path} does not exist or is not executable`, hint: `install ${engine} there, or change engines.${engine} in fleet.yaml`, installable: false }
}

/** brew itself: the default prefixes first (launchd and ssh sessions often lack Homebrew on PATH), then PATH. */
export async function findBrew(deps: Partial<ExecutableDeps> = {}): Promise<string | null> {
  const { isExecutable, searchPath } = depsWith(deps)
  const onPath = searchPath
    .split(delimiter)
    .filter((dir) => isAbsolute(dir))
    .map((dir) => join(dir, 'brew'))
  for (const candidate of [...BREW_CANDIDATES, ...onPath]) if (await isExecutable(candidate)) return candidate
  return null
}

async function resolveBrew(formula: string, binary: string, deps: ExecutableDeps): Promise<ExecutableResolution> {
  const brew = await findBrew(deps)
  if (brew === null) {
    return { ok: false, reason: 'Homebrew is not installed', hint: `install Homebrew (https://brew.sh), then: brew install ${formula}`, installable: false }
  }
  const prefix = await deps.run(brew, ['--prefix'])
  const root = prefix.stdout.trim()
  if (prefix.exitCode !== 0 || root === '') {
    return { ok: false, reason: `\`${brew} --prefix\` failed: ${lastLine(prefix.stderr)}`, hint: 'run `brew doctor`', installable: false }
  }
  // bin/ holds linked formulae; opt/<formula>/bin also finds a keg-only or unlinked one. A tap's formula
  // ("user/tap/name") is kept under its last segment.
  const name = posix.basename(formula)
  const candidates = [join(root, 'bin', binary), join(root, 'opt', name, 'bin', binary)]
  for (const candidate of candidates) if (await deps.isExecutable(candidate)) return { ok: true, path: candidate }
  return { ok: false, reason: `Homebrew formula "${formula}" is not installed (no ${candidates[0]})`, hint: `brew install ${formula}`, installable: true }
}

async function resolvePython(source: PythonSource, binary: string, stateRoot: string, deps: ExecutableDeps): Promise<ExecutableResolution> {
  const dir = pythonVenvDir(source, stateRoot)
  const path = join(dir, 'bin', binary)
  if (await deps.isExecutable(path)) return { ok: true, path }
  return {
    ok: false,
    reason: `${source.requirement} is not installed (no ${path})`,
    hint: `fleet apply creates it: python3 -m venv ${dir} && ${dir}/bin/pip install ${source.requirement}`,
    installable: true,
  }
}

/**
 * Creates the virtual environment and pip-installs the pinned requirement; returns the environment's directory.
 * `python` must be 3.10 or later for vllm-mlx (pyproject requires-python); macOS's /usr/bin/python3 is older, so
 * callers should prefer Homebrew's python3. Installing into an existing environment is safe (pip is idempotent).
 */
export async function installPythonEngine(source: PythonSource, stateRoot: string, run: ProgramRunner = runProgram, options: { python?: string } = {}): Promise<string> {
  const dir = pythonVenvDir(source, stateRoot)
  const python = options.python ?? 'python3'
  const venv = await run(python, ['-m', 'venv', dir])
  if (venv.exitCode !== 0) {
    throw new UserError(`could not create a Python virtual environment at ${dir}: ${lastLine(venv.stderr)}`, {
      hint: 'install Python 3.10 or later (brew install python) and run fleet apply again',
    })
  }
  const pip = await run(join(dir, 'bin', 'python'), ['-m', 'pip', 'install', '--disable-pip-version-check', '--no-input', source.requirement])
  if (pip.exitCode !== 0) {
    throw new UserError(`pip could not install ${source.requirement}: ${lastLine(pip.stderr)}`, {
      hint: `see the full output with: ${dir}/bin/pip install ${source.requirement}`,
    })
  }
  return dir
}

/** `brew install <formula>`; throws a UserError with brew's last words when it fails. */
export async function installBrewFormula(formula: string, deps: Partial<ExecutableDeps> = {}): Promise<void> {
  const brew = await findBrew(deps)
  if (brew === null) throw new UserError('Homebrew is not installed', { hint: `install Homebrew (https://brew.sh), then: brew install ${formula}` })
  const result = await depsWith(deps).run(brew, ['install', formula])
  if (result.exitCode !== 0) throw new UserError(`brew install ${formula} failed: ${lastLine(result.stderr)}`, { hint: `run \`brew install ${formula}\` to see why` })
}

/**
 * A `command` deployment's program as launchd needs it: absolute. A name with a slash is taken relative to `cwd`; a
 * bare name is searched on PATH, as a shell would.
 */
export async function resolveCommandExecutable(program: string, options: { cwd: string; deps?: Partial<ExecutableDeps> }): Promise<ExecutableResolution> {
  const { isExecutable, searchPath } = depsWith(options.deps)
  if (program === '') return { ok: false, reason: 'the command is empty', hint: 'set options.command to the program and its arguments', installable: false }
  if (program.includes('/')) {
    const path = resolve(options.cwd, program)
    if (await isExecutable(path)) return { ok: true, path }
    return { ok: false, reason: `${path} does not exist or is not executable`, hint: 'check options.command[0] (and options.cwd)', installable: false }
  }
  for (const dir of searchPath.split(delimiter)) {
    if (!isAbsolute(dir)) continue
    const path = join(dir, program)
    if (await isExecutable(path)) return { ok: true, path }
  }
  return { ok: false, reason: `"${program}" was not found on PATH`, hint: 'give options.command[0] as an absolute path', installable: false }
}

function lastLine(text: string): string {
  const lines = text.trim().split('\n')
  return lines[lines.length - 1]?.trim() || 'no output'
}
