/**
 * The pure parts of reaching a machine: quoting what reaches the remote shell (checked by running the quoted string
 * through a real sh, as sshd's login shell would), the ssh argv, ssh's failure messages, the agent's event lines,
 * and which machines and targets a command acts on.
 */
import { execFileSync } from 'node:child_process'
import { describe, expect, it } from 'vitest'
import { targetsByMachine } from '../../src/commands/apply-fleet.ts'
import { loadFleetText } from '../../src/config/load.ts'
import { selectMachines } from '../../src/remote/machines.ts'
import { parseEvent } from '../../src/remote/protocol.ts'
import { classifySshFailure, shellQuote, sshArgv } from '../../src/remote/ssh.ts'
import { savedPlanFor } from '../../src/apply/saved-plan.ts'
import { prefixedLines } from '../../src/ui/prefix.ts'
import { mapLimit } from '../../src/util/map-limit.ts'
import type { Machine } from '../../src/config/types.ts'
import type { PlanDocument } from '../../src/plan/types.ts'

/** What a POSIX shell makes of `printf '%s\0' <quoted>`: the words it would run. */
function shellWords(quoted: string): string[] {
  return execFileSync('sh', ['-c', `printf '%s\\0' ${quoted}`], { encoding: 'utf8' })
    .split('\0')
    .slice(0, -1)
}

describe('shellQuote', () => {
  const hostile = ["it's", '$(touch /tmp/x)', '`id`', 'a b', 'semi;colon', 'new\nline', '*', '~/x', '"dq"', "''", '-n', '\\', '$HOME', '&&', '|']
  for (const word of hostile) {
    it(`passes ${JSON.stringify(word)} through a real sh unchanged`, () => {
      expect(shellWords(shellQuote(word))).toEqual([word])
    })
  }
  it('leaves plain words readable', () => {
    expect(shellQuote('/opt/homebrew/bin/fleet')).toBe('/opt/homebrew/bin/fleet')
  })
})

const machine = (over: Partial<Machine> = {}): Machine => ({ name: 'studio', host: 'admin@studio.local', fleetPath: null, ...over }) as Machine

describe('sshArgv', () => {
  it('runs the user ssh in batch mode, ends options before the host, and sends only the program and `agent`', () => {
    const { file, args } = sshArgv(machine(), {})
    expect(file).toBe('ssh')
    expect(args).toContain('BatchMode=yes')
    expect(args.slice(-3)).toEqual(['--', 'admin@studio.local', 'fleet agent'])
  })
  it('quotes fleetPath for the remote shell, keeping ~/ expandable', () => {
    expect(sshArgv(machine({ fleetPath: '/opt/my fleet/bin/fleet; rm -rf ~' }), {}).args.at(-1)).toBe("'/opt/my fleet/bin/fleet; rm -rf ~' agent")
    expect(sshArgv(machine({ fleetPath: '~/fleet/bin/fleet.js' }), {}).args.at(-1)).toBe('~/fleet/bin/fleet.js agent')
  })
  it('takes FLEET_SSH_COMMAND as the ssh program and its options', () => {
    const { file, args } = sshArgv(machine(), { FLEET_SSH_COMMAND: ' ssh  -F /tmp/cfg ' })
    expect(file).toBe('ssh')
    expect(args.slice(0, 2)).toEqual(['-F', '/tmp/cfg'])
  })
})

describe('classifySshFailure', () => {
  // Messages as OpenSSH 9 prints them (ssh.c, sshconnect.c, sshconnect2.c).
  const cases = [
    ['Host key verification failed.', 'host-key'],
    ['@    WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED!     @', 'host-key'],
    ['root@127.0.0.1: Permission denied (publickey).', 'auth'],
    ['ssh: Could not resolve hostname studio.local: Name or service not known', 'resolve'],
    ['ssh: Could not resolve hostname studio.local: nodename nor servname provided, or not known', 'resolve'],
    ['ssh: connect to host 10.0.0.2 port 22: Connection refused', 'refused'],
    ['ssh: connect to host 10.0.0.2 port 22: Operation timed out', 'timeout'],
    ['Timeout, server 10.0.0.2 not responding.', 'lost'],
    ['client_loop: send disconnect: Broken pipe', 'lost'],
    ['something else', 'other'],
  ] as const
  for (const [text, kind] of cases) it(`${kind}: ${text}`, () => expect(classifySshFailure(text).kind).toBe(kind))
})

describe('parseEvent', () => {
  it('reads event lines and ignores anything else a login may print', () => {
    expect(parseEvent('{"type":"exit","code":0}')).toEqual({ type: 'exit', code: 0 })
    expect(parseEvent('Welcome to macOS')).toBeNull()
    expect(parseEvent('{"no":"type"}')).toBeNull()
    expect(parseEvent('{broken')).toBeNull()
  })
})

const fleet = loadFleetText(`version: 1
machines:
  here: { chip: m4-max, memory: 128GB }
  a: { chip: m3-ultra, memory: 512GB, host: a.local }
  b: { chip: m3-ultra, memory: 512GB, host: b.local }
deployments:
  x: { machine: a, engine: command, port: 9001, options: { command: [x] } }
  y: { machine: b, engine: command, port: 9002, options: { command: [y] } }
`).fleet!

describe('selectMachines and targetsByMachine', () => {
  it('selects this machine and every machine with host:, or what --machine names', () => {
    const all = selectMachines(fleet, [], 'darwin')
    expect(all.local?.name).toBe('here')
    expect(all.remote.map((m) => m.name)).toEqual(['a', 'b'])
    const one = selectMachines(fleet, ['b'], 'darwin')
    expect(one.local).toBeNull()
    expect(one.remote.map((m) => m.name)).toEqual(['b'])
    expect(() => selectMachines(fleet, ['c'], 'darwin')).toThrow(/--machine c: fleet.yaml declares no such machine/)
  })
  it('sends each target to its machine and refuses an unknown one across several machines', () => {
    const machines = fleet.machines.filter((m) => m.host !== null)
    expect(Object.fromEntries(targetsByMachine(fleet, machines, ['x', 'b']))).toEqual({ a: ['x'], b: ['b'] })
    expect(() => targetsByMachine(fleet, machines, ['z'])).toThrow(/--target z names no deployment or machine/)
    expect(Object.fromEntries(targetsByMachine(fleet, machines.slice(0, 1), ['z']))).toEqual({ a: ['z'] })
  })
})

describe('savedPlanFor', () => {
  it("keeps one machine's observation and changes", () => {
    const doc = {
      version: 1,
      observation: { machine: 'a', backend: 'process', fingerprint: 'fa' },
      observations: [
        { machine: 'a', backend: 'process', fingerprint: 'fa' },
        { machine: 'b', backend: 'launchd', fingerprint: 'fb' },
      ],
      changes: [
        { machine: 'a', name: 'x' },
        { machine: 'b', name: 'y' },
      ],
    } as unknown as PlanDocument
    const b = savedPlanFor(doc, 'b')
    expect(b.observation?.fingerprint).toBe('fb')
    expect(b.changes.map((c) => c.name)).toEqual(['y'])
    expect(savedPlanFor(doc, 'c').observation).toBeNull()
  })
})

describe('prefixedLines and mapLimit', () => {
  it('prefixes whole lines only', () => {
    const out: string[] = []
    const p = prefixedLines('a │ ', (t) => out.push(t))
    p.write('one\ntw')
    p.write('o\nthree')
    p.flush()
    expect(out).toEqual(['a │ one\n', 'a │ two\n', 'a │ three\n'])
  })
  it('keeps order and never runs more than the limit at once', async () => {
    let running = 0
    let most = 0
    const result = await mapLimit([5, 1, 4, 2, 3], 2, async (n) => {
      running++
      most = Math.max(most, running)
      await new Promise((r) => setTimeout(r, n))
      running--
      return n * 10
    })
    expect(result).toEqual([50, 10, 40, 20, 30])
    expect(most).toBe(2)
  })
})
