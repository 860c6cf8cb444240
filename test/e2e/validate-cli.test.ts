/** End to end: the built `fleet` binary, spawned, on real files. */
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { runCli } from '../support/cli.ts'

const dir = mkdtempSync(join(tmpdir(), 'fleet-e2e-'))
const broken = join(dir, 'broken.yaml')
writeFileSync(
  broken,
  `version: 1
machines:
  studio: { chip: m3-ultra, memory: 512GB }
models:
  qwen: { source: hf:mlx-community/Qwen3-32B-4bit }
deployments:
  chat: { machine: studio, model: qwen, engine: mlx-lm, port: 8080 }
  api: { machine: studio, model: qwen, engine: mlx-lm, port: 8080 }
`,
)

describe('fleet validate (spawned)', () => {
  it('accepts an example and says so on stdout', () => {
    const r = runCli(['validate', '-f', 'examples/studio-70b-32b.yaml'])
    expect(r.code).toBe(0)
    expect(r.stdout).toContain('examples/studio-70b-32b.yaml is valid: 1 machine, 2 models, 2 deployments')
  })

  it('points at the line and column of a port clash, with a hint, and exits 1', () => {
    const r = runCli(['validate', '-f', broken])
    expect(r.code).toBe(1)
    expect(r.stderr).toContain(`${broken}:8:62 error deployments.api.port: 8080 is already used by deployments.chat on machine studio`)
    expect(r.stderr).toContain('hint: Give each deployment on a machine its own port')
    expect(r.stderr).not.toMatch(/\bat .*\.js:\d+/) // never a stack trace
    expect(r.stderr).not.toContain('\u001b[') // NO_COLOR
  })

  it('prints the stable JSON shape with --json', () => {
    const r = runCli(['validate', '--json', '-f', broken])
    expect(r.code).toBe(1)
    const doc = JSON.parse(r.stdout) as { version: number; valid: boolean; diagnostics: Record<string, unknown>[] }
    expect(doc.version).toBe(1)
    expect(doc.valid).toBe(false)
    expect(doc.diagnostics[0]).toEqual({
      file: broken,
      line: 8,
      column: 62,
      path: 'deployments.api.port',
      severity: 'error',
      code: 'port-conflict',
      message: '8080 is already used by deployments.chat on machine studio',
      hint: 'Give each deployment on a machine its own port',
    })
  })

  it('defaults to ./fleet.yaml and explains when it is missing', () => {
    const empty = mkdtempSync(join(tmpdir(), 'fleet-none-'))
    const r = runCli(['validate'], { cwd: empty })
    expect(r.code).toBe(1)
    expect(r.stderr).toContain('fleet.yaml does not exist')
    expect(r.stderr).toContain('hint:')
  })

  it('refuses a directory without a stack trace', () => {
    mkdirSync(join(dir, 'adir'))
    const r = runCli(['validate', '-f', join(dir, 'adir')])
    expect(r.code).toBe(1)
    expect(r.stderr).toContain('is a directory')
  })
})

describe('the CLI shell', () => {
  it('prints its version', () => {
    const r = runCli(['--version'])
    expect(r.code).toBe(0)
    expect(r.stdout).toMatch(/\d+\.\d+\.\d+/)
  })

  it.each(['validate', 'plan', 'lock', 'schema', 'chips'])('has --help for %s', (command) => {
    const r = runCli([command, '--help'])
    expect(r.code).toBe(0)
    expect(r.stdout).toContain(`fleet ${command}`)
  })

  it('rejects an unknown command and an unknown option with exit 1 and a message', () => {
    const unknown = runCli(['deploy'])
    expect(unknown.code).toBe(1)
    expect(unknown.stderr).toContain('unknown command "deploy"')
    const option = runCli(['validate', '--bogus'])
    expect(option.code).toBe(1)
    expect(option.stderr).toMatch(/Unknown option `--bogus`/)
  })

  it('prints the schema', () => {
    const r = runCli(['schema'])
    expect(r.code).toBe(0)
    expect(JSON.parse(r.stdout)).toMatchObject({ $schema: 'https://json-schema.org/draft/2020-12/schema', title: 'fleet.yaml' })
  })

  it('colours only when asked or on a TTY', () => {
    const forced = runCli(['validate', '-f', broken], { env: { NO_COLOR: undefined, FORCE_COLOR: '1' } })
    expect(forced.stderr).toContain('\u001b[31merror')
    const plain = runCli(['validate', '-f', broken], { env: { NO_COLOR: undefined } })
    expect(plain.stderr).not.toContain('\u001b[')
  })
})
