/**
 * parsePrint against `launchctl print` outputs recorded on real Macs. Each fixture is the verbatim output; its
 * sidecar `<name>.source` names the URL/commit it was copied from, the command, the exit status and the release.
 */
import { readFileSync, readdirSync } from 'node:fs'
import { describe, expect, test } from 'vitest'
import { parsePrint } from '../../src/services/launchctl.ts'

const DIR = new URL('../fixtures/launchctl/', import.meta.url)
const fixture = (name: string): string => readFileSync(new URL(name, DIR), 'utf8')

function source(name: string): Record<string, string> {
  const text = readFileSync(new URL(name.replace(/\.txt$/, '.source'), DIR), 'utf8')
  return Object.fromEntries(
    text
      .trim()
      .split('\n')
      .map((line) => [line.slice(0, line.indexOf(':')), line.slice(line.indexOf(':') + 1).trim()]),
  )
}

describe('recorded samples', () => {
  const samples = readdirSync(DIR).filter((name) => name.endsWith('.txt'))

  test('every recorded sample cites where it was copied from', () => {
    expect(samples.length).toBeGreaterThanOrEqual(15)
    for (const name of samples) {
      const src = source(name)
      expect(src.url, name).toMatch(/^https:\/\/github\.com\//)
      expect(src.command, name).toBeTruthy()
      expect(src.exit, name).toMatch(/^\d+|^not recorded/)
    }
  })

  test('real outputs are tab-indented, as the parser is told to expect but does not rely on', () => {
    expect(fixture('print-gui-running.txt')).toContain('\n\tstate = running\n')
    expect(fixture('print-gui-exconfig-excerpt.txt')).not.toContain('\t')
  })
})

describe('parsePrint', () => {
  test('a running gui/501 LaunchAgent: state, pid, arguments, environment', () => {
    const info = parsePrint(fixture('print-gui-running.txt'))
    expect(info).toMatchObject({
      target: 'gui/501/com.mattstack.deck.mattari',
      state: 'running',
      running: true,
      pid: 3246,
      runs: 1,
      lastExitCode: null,
      lastExit: '(never exited)',
      program: '/Users/tester/.bun/bin/bun',
      arguments: ['/Users/tester/.bun/bin/bun', 'server/index.ts'],
      workingDirectory: '/Users/tester/Documents/GitHub/mattari/apps/api',
      stdoutPath: '/Users/tester/.mattstack/deck/logs/mattari.out.log',
      domain: 'gui/501 [100057]',
      type: 'LaunchAgent',
      path: '/Users/tester/Library/LaunchAgents/com.mattstack.deck.mattari.plist',
      exitTimeout: 5,
      properties: ['keepalive', 'runatload', 'inferred program', 'managed LWCR', 'has LWCR'],
    })
    // The job's own environment block only: not `default environment`, not `inherited environment`.
    expect(info.environment).toEqual({
      OSLogRateLimit: '64',
      PORT: '11010',
      API_PORT: '11010',
      SERVE_STATIC: '1',
      PATH: '/Users/tester/.local/bin:/Users/tester/.bun/bin:/Users/tester/.cargo/bin:/opt/homebrew/bin:/opt/homebrew/sbin:/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin',
      XPC_SERVICE_NAME: 'com.mattstack.deck.mattari',
    })
  })

  test('nested `state = active` lines (coalitions) do not override the job state', () => {
    const text = fixture('print-gui-running.txt')
    expect(text.match(/state = active/g)).toHaveLength(2)
    expect(parsePrint(text).state).toBe('running')
  })

  test('a KeepAlive agent relaunched after a signal: running, with the signal and no exit code', () => {
    const info = parsePrint(fixture('print-gui-running-restarted.txt'))
    expect(info).toMatchObject({ state: 'running', pid: 17594, runs: 103, lastExitCode: null, lastTerminatingSignal: 'Terminated: 15' })
  })

  test('a user/503 agent that ran and exited 0: not running, no pid, last exit code 0', () => {
    const info = parsePrint(fixture('print-user-not-running.txt'))
    expect(info).toMatchObject({
      target: 'user/503/local.resticprofile.self.check',
      state: 'not running',
      running: false,
      pid: null,
      runs: 1,
      lastExitCode: 0,
      lastExit: '0',
      domain: 'user/503',
      workingDirectory: '/Users/cp/go/src/github.com/creativeprojects/resticprofile',
      properties: [],
    })
    expect(info.arguments).toEqual([
      '/Users/cp/go/src/github.com/creativeprojects/resticprofile/resticprofile',
      '--no-prio',
      '--no-ansi',
      '--config',
      'examples/dev.yaml',
      'run-schedule',
      'check@self',
    ])
    // `event triggers` holds `x => {` blocks with a `descriptor` inside: none of it leaks into the fields.
    expect(info.environment.RESTICPROFILE_SCHEDULE_ID).toBe('examples/dev.yaml:check@self')
  })

  test('a system daemon on macOS 26.6: pid, and SoftResourceLimits as `resource limits`', () => {
    const info = parsePrint(fixture('print-system-running-maxfiles.txt'))
    expect(info).toMatchObject({ target: 'system/org.nixos.nix-daemon', state: 'running', pid: 383, maxFilesSoft: 1048576, domain: 'system' })
    expect(info.arguments).toEqual(['/bin/sh', '-c', '/bin/wait4path /nix/store && exec /nix/store/65ghpdw6n9vawhzx8bzqym2zmzrz4dmc-nix-2.34.7+1/bin/nix-daemon'])
  })

  test('the `78: EX_CONFIG` form of last exit code, from a pasted excerpt without a header', () => {
    const info = parsePrint(fixture('print-gui-exconfig-excerpt.txt'))
    expect(info).toMatchObject({ target: null, lastExitCode: 78, lastExit: '78: EX_CONFIG', arguments: ['/opt/homebrew/Cellar/skhd-zig/0.0.17/bin/skhd'] })
  })

  test.each(['print-gui-not-found.txt', 'print-user-not-found.txt', 'print-system-not-found.txt', 'print-gui-domain-headless.txt'])(
    'error output (%s) parses to nothing rather than to wrong values',
    (name) => {
      const info = parsePrint(fixture(name))
      expect(info).toMatchObject({ target: null, state: null, running: false, pid: null, lastExitCode: null, arguments: [] })
    },
  )

  test('the not-found messages name the label and the domain', () => {
    expect(fixture('print-gui-not-found.txt')).toBe('Bad request.\nCould not find service "com.mattstack.deck.nosuchapp" in domain for user gui: 501\n')
    expect(fixture('print-user-not-found.txt')).toMatch(/in domain for uid: 503\n$/)
    expect(source('print-gui-not-found.txt').exit).toBe('113')
  })

  test('empty output and CRLF line ends', () => {
    expect(parsePrint('')).toMatchObject({ state: null, pid: null })
    const crlf = fixture('print-gui-running.txt').replaceAll('\n', '\r\n')
    expect(parsePrint(crlf)).toMatchObject({ state: 'running', pid: 3246 })
  })
})
