/**
 * Executable resolution against real files in a temporary directory. Every file check is confined to that directory
 * and brew is a fake found on the injected PATH, so the result does not depend on this machine's Homebrew or Python.
 */
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { EngineSource } from '../../src/config/types.ts'
import { type ExecutableDeps, installBrewFormula, installPythonEngine, isExecutableFile, resolveCommandExecutable, resolveExecutable } from '../../src/engines/runtime/executable.ts'
import { UserError } from '../../src/errors.ts'
import { runProgram, type ProgramRunner } from '../../src/process/run.ts'

let tmp = ''
beforeEach(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'fleet-exe-'))
})
afterEach(async () => {
  await rm(tmp, { recursive: true, force: true })
})

async function file(path: string, mode = 0o755): Promise<string> {
  await mkdir(dirname(path), { recursive: true })
  await writeFile(path, '#!/bin/sh\nexit 0\n')
  await chmod(path, mode)
  return path
}

interface Call {
  file: string
  args: readonly string[]
}
/** A runner that records calls and answers from a script keyed by its first two arguments, or else the first. */
function scriptedRunner(answers: Record<string, { exitCode?: number; stdout?: string; stderr?: string; effect?: () => Promise<void> }>): { run: ProgramRunner; calls: Call[] } {
  const calls: Call[] = []
  const run: ProgramRunner = async (f, args) => {
    calls.push({ file: f, args })
    const answer = answers[args.slice(0, 2).join(' ')] ?? answers[args[0] ?? ''] ?? { exitCode: 1, stderr: `unexpected: ${f} ${args.join(' ')}` }
    await answer.effect?.()
    return { exitCode: answer.exitCode ?? 0, stdout: answer.stdout ?? '', stderr: answer.stderr ?? '' }
  }
  return { run, calls }
}

function deps(extra: Partial<ExecutableDeps> = {}): Partial<ExecutableDeps> {
  return { isExecutable: async (p) => p.startsWith(tmp) && (await isExecutableFile(p)), searchPath: join(tmp, 'bin'), ...extra }
}

describe('path', () => {
  it('accepts an absolute executable file', async () => {
    const exe = await file(join(tmp, 'llama-server'))
    expect(await resolveExecutable('llama.cpp', { kind: 'path', path: exe }, { stateRoot: tmp, deps: deps() })).toEqual({ ok: true, path: exe })
  })

  it('refuses a missing file, a file without the execute bit, a directory and a relative path; none installable', async () => {
    const plain = await file(join(tmp, 'plain'), 0o644)
    for (const path of [join(tmp, 'missing'), plain, tmp, 'bin/llama-server']) {
      const result = await resolveExecutable('llama.cpp', { kind: 'path', path }, { stateRoot: tmp, deps: deps() })
      expect(result).toMatchObject({ ok: false, installable: false })
    }
  })
})

describe('brew', () => {
  const llama: EngineSource = { kind: 'brew', formula: 'llama.cpp' }

  it('finds brew on PATH and the binary under `brew --prefix`/bin', async () => {
    const brew = await file(join(tmp, 'bin', 'brew'))
    const exe = await file(join(tmp, 'homebrew', 'bin', 'llama-server'))
    const { run, calls } = scriptedRunner({ '--prefix': { stdout: `${join(tmp, 'homebrew')}\n` } })
    expect(await resolveExecutable('llama.cpp', llama, { stateRoot: tmp, deps: deps({ run }) })).toEqual({ ok: true, path: exe })
    expect(calls).toEqual([{ file: brew, args: ['--prefix'] }])
  })

  it('finds a keg-only formula under opt/<formula>/bin', async () => {
    await file(join(tmp, 'bin', 'brew'))
    const exe = await file(join(tmp, 'homebrew', 'opt', 'ollama', 'bin', 'ollama'))
    const { run } = scriptedRunner({ '--prefix': { stdout: join(tmp, 'homebrew') } })
    expect(await resolveExecutable('ollama', { kind: 'brew', formula: 'ollama' }, { stateRoot: tmp, deps: deps({ run }) })).toEqual({ ok: true, path: exe })
  })

  it('says `brew install` when the formula is missing: installable', async () => {
    await file(join(tmp, 'bin', 'brew'))
    const { run } = scriptedRunner({ '--prefix': { stdout: join(tmp, 'homebrew') } })
    const result = await resolveExecutable('llama.cpp', llama, { stateRoot: tmp, deps: deps({ run }) })
    expect(result).toEqual({
      ok: false,
      reason: `Homebrew formula "llama.cpp" is not installed (no ${join(tmp, 'homebrew', 'bin', 'llama-server')})`,
      hint: 'brew install llama.cpp',
      installable: true,
    })
  })

  it('without Homebrew, points to brew.sh: not installable by fleet', async () => {
    const { run, calls } = scriptedRunner({})
    const result = await resolveExecutable('llama.cpp', llama, { stateRoot: tmp, deps: deps({ run }) })
    expect(result).toMatchObject({ ok: false, reason: 'Homebrew is not installed', installable: false })
    expect(!result.ok && result.hint).toContain('https://brew.sh')
    expect(calls).toEqual([])
  })

  it('reports a failing `brew --prefix`', async () => {
    await file(join(tmp, 'bin', 'brew'))
    const { run } = scriptedRunner({ '--prefix': { exitCode: 1, stderr: 'Error: broken\n' } })
    expect(await resolveExecutable('llama.cpp', llama, { stateRoot: tmp, deps: deps({ run }) })).toMatchObject({ ok: false, reason: expect.stringContaining('Error: broken') })
  })

  it('installs a formula with `brew install`', async () => {
    const brew = await file(join(tmp, 'bin', 'brew'))
    const { run, calls } = scriptedRunner({ install: {} })
    await installBrewFormula('llama.cpp', deps({ run }))
    expect(calls).toEqual([{ file: brew, args: ['install', 'llama.cpp'] }])
    const failing = scriptedRunner({ install: { exitCode: 1, stderr: 'Error: No available formula' } })
    await expect(installBrewFormula('nope', deps({ run: failing.run }))).rejects.toThrow(/No available formula/)
  })
})

describe('python', () => {
  const mlx: Extract<EngineSource, { kind: 'python' }> = { kind: 'python', requirement: 'mlx-lm==0.32.0', package: 'mlx-lm', version: '0.32.0' }

  it('resolves the console script in <stateRoot>/venvs/<package>-<version>', async () => {
    const exe = await file(join(tmp, 'venvs', 'mlx-lm-0.32.0', 'bin', 'mlx_lm.server'))
    expect(await resolveExecutable('mlx-lm', mlx, { stateRoot: tmp, deps: deps() })).toEqual({ ok: true, path: exe })
    const vllm = await file(join(tmp, 'venvs', 'vllm-mlx-0.4.1', 'bin', 'vllm-mlx'))
    const source: EngineSource = { kind: 'python', requirement: 'vllm-mlx==0.4.1', package: 'vllm-mlx', version: '0.4.1' }
    expect(await resolveExecutable('vllm-mlx', source, { stateRoot: tmp, deps: deps() })).toEqual({ ok: true, path: vllm })
  })

  it('says how apply creates a missing environment: installable', async () => {
    const venv = join(tmp, 'venvs', 'mlx-lm-0.32.0')
    expect(await resolveExecutable('mlx-lm', mlx, { stateRoot: tmp, deps: deps() })).toEqual({
      ok: false,
      reason: `mlx-lm==0.32.0 is not installed (no ${venv}/bin/mlx_lm.server)`,
      hint: `fleet apply creates it: python3 -m venv ${venv} && ${venv}/bin/pip install mlx-lm==0.32.0`,
      installable: true,
    })
  })

  it('installPythonEngine creates the venv, then pip-installs the pinned requirement with its python', async () => {
    const venv = join(tmp, 'venvs', 'mlx-lm-0.32.0')
    const { run, calls } = scriptedRunner({
      '-m venv': {},
      '-m pip': {
        effect: async () => {
          await file(join(venv, 'bin', 'mlx_lm.server'))
        },
      },
    })
    expect(await installPythonEngine(mlx, tmp, run, { python: '/opt/homebrew/bin/python3' })).toBe(venv)
    expect(calls).toEqual([
      { file: '/opt/homebrew/bin/python3', args: ['-m', 'venv', venv] },
      { file: join(venv, 'bin', 'python'), args: ['-m', 'pip', 'install', '--disable-pip-version-check', '--no-input', 'mlx-lm==0.32.0'] },
    ])
    expect(await resolveExecutable('mlx-lm', mlx, { stateRoot: tmp, deps: deps() })).toMatchObject({ ok: true })
  })

  it('turns a failed venv or pip into a UserError with the last line of output', async () => {
    const noVenv = scriptedRunner({ '-m venv': { exitCode: 1, stderr: 'Error: ensurepip is not available' } })
    await expect(installPythonEngine(mlx, tmp, noVenv.run)).rejects.toThrow(/ensurepip is not available/)
    const noPip = scriptedRunner({ '-m venv': {}, '-m pip': { exitCode: 1, stderr: 'ERROR: No matching distribution found for mlx-lm==0.32.0' } })
    const error = await installPythonEngine(mlx, tmp, noPip.run).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(UserError)
    expect((error as UserError).message).toContain('No matching distribution')
  })
})

describe('command programs', () => {
  it('resolves against cwd with a slash, else on PATH, as a shell would', async () => {
    const script = await file(join(tmp, 'app', 'serve.sh'))
    const onPath = await file(join(tmp, 'bin', 'myserver'))
    expect(await resolveCommandExecutable('./serve.sh', { cwd: join(tmp, 'app'), deps: deps() })).toEqual({ ok: true, path: script })
    expect(await resolveCommandExecutable('myserver', { cwd: '/', deps: deps() })).toEqual({ ok: true, path: onPath })
    expect(await resolveCommandExecutable('nothere', { cwd: '/', deps: deps() })).toMatchObject({ ok: false, reason: '"nothere" was not found on PATH' })
  })
})

describe('runProgram (through executable resolution)', () => {
  it('returns exit code and output without throwing, and 127 for a program that does not exist', async () => {
    const ran = await runProgram(process.execPath, ['-e', 'process.stdout.write("out"); process.stderr.write("err"); process.exit(3)'])
    expect(ran).toEqual({ exitCode: 3, stdout: 'out', stderr: 'err' })
    const missing = await runProgram(join(tmp, 'no-such-program'), [])
    expect(missing.exitCode).toBe(127)
    expect(missing.stderr).toMatch(/ENOENT/)
  })
})
