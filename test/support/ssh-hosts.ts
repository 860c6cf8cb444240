/**
 * Real ssh hosts on one Linux box for the remote-machine tests: one Debian sshd per host on its own 127.0.0.1 port,
 * keys generated here, and per host its own fleet state directory and Hugging Face cache (sshd_config SetEnv), so
 * each behaves as a separate Mac would: its own services, its own cache, its own apply lock. The control point reaches
 * them through FLEET_SSH_COMMAND (`ssh -F <config>`), with strict host-key checking against the keys made here.
 * Needs root (sshd's privilege separation) and openssh-server; `available()` says whether this box has them.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process'
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createConnection } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { freePort } from './engine-fixtures/index.ts'

export const SSHD = '/usr/sbin/sshd'

export interface SshHost {
  readonly name: string
  readonly port: number
  /** This host's fleet state (services, supervisor, apply lock) and cache. */
  readonly stateDir: string
  readonly hubCache: string
  /** A `fleet` program for machines.NAME.fleetPath: the built checkout, run by this Node. */
  readonly fleetPath: string
  readonly logFile: string
  stop(): Promise<void>
  start(): Promise<void>
}

export interface SshLab {
  readonly dir: string
  readonly hosts: readonly SshHost[]
  /** Environment for the control point: FLEET_SSH_COMMAND with this lab's ssh config. */
  readonly env: Record<string, string>
  /** The ssh command line (with this lab's config) a program started on a host uses to reach the others. */
  readonly ssh: string
  close(): Promise<void>
}

/** Processes whose environment marks them as running "on" a test host (its sshd's SetEnv FLEET_TEST_HOST). */
export function processesOnHost(host: string): { pid: number; argv: string; environ: string[] }[] {
  const found: { pid: number; argv: string; environ: string[] }[] = []
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    try {
      const environ = readFileSync(`/proc/${entry}/environ`, 'latin1').split('\0')
      if (environ.includes(`FLEET_TEST_HOST=${host}`)) found.push({ pid: Number(entry), argv: readFileSync(`/proc/${entry}/cmdline`, 'latin1').replaceAll('\0', ' '), environ })
    } catch {
      // gone already
    }
  }
  return found
}

export function sshAvailable(): boolean {
  return existsSync(SSHD) && process.getuid?.() === 0
}

async function listening(port: number, timeoutMs: number): Promise<boolean> {
  const end = Date.now() + timeoutMs
  while (Date.now() < end) {
    const ok = await new Promise<boolean>((resolve) => {
      const socket = createConnection({ host: '127.0.0.1', port }, () => (socket.end(), resolve(true)))
      socket.on('error', () => resolve(false))
    })
    if (ok) return true
    await new Promise((r) => setTimeout(r, 50))
  }
  return false
}

/** A shell script that runs the built fleet of this checkout with this Node (what `npm ci` puts in bin/). */
export function fleetShim(path: string, cliJs: string): void {
  writeFileSync(path, `#!/bin/sh\nexec ${JSON.stringify(process.execPath)} ${JSON.stringify(cliJs)} "$@"\n`)
  chmodSync(path, 0o755)
}

export async function startSshLab(names: readonly string[], cliJs: string): Promise<SshLab> {
  const dir = mkdtempSync(join(tmpdir(), 'fleet-ssh-'))
  mkdirSync('/run/sshd', { recursive: true, mode: 0o755 })
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(dir, 'client')])
  writeFileSync(join(dir, 'authorized_keys'), readFileSync(join(dir, 'client.pub')))
  const known: string[] = []
  const config: string[] = []
  const hosts: SshHost[] = []
  for (const name of names) {
    const home = join(dir, name)
    mkdirSync(home)
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(home, 'hostkey')])
    const port = await freePort()
    const stateDir = join(home, 'state')
    const hubCache = join(home, 'hub')
    const fleetPath = join(home, 'fleet')
    fleetShim(fleetPath, cliJs)
    const logFile = join(home, 'sshd.log')
    writeFileSync(
      join(home, 'sshd_config'),
      [
        `Port ${port}`,
        'ListenAddress 127.0.0.1',
        `HostKey ${join(home, 'hostkey')}`,
        `AuthorizedKeysFile ${join(dir, 'authorized_keys')}`,
        `PidFile ${join(home, 'sshd.pid')}`,
        'StrictModes no',
        'UsePAM no',
        'PasswordAuthentication no',
        'KbdInteractiveAuthentication no',
        'PermitRootLogin prohibit-password',
        'MaxStartups 50',
        // FLEET_SSH_COMMAND: a head of a deployment across machines reaches its ranks with this lab's ssh config too.
        `SetEnv FLEET_STATE_DIR=${stateDir} HF_HUB_CACHE=${hubCache} HF_HOME=${join(home, 'hf')} FLEET_TEST_HOST=${name} "FLEET_SSH_COMMAND=ssh -F ${join(dir, 'ssh_config')}"`,
        '',
      ].join('\n'),
    )
    known.push(`[127.0.0.1]:${port} ${readFileSync(join(home, 'hostkey.pub'), 'utf8').trim()}`)
    config.push(
      `Host ${name}`,
      '  HostName 127.0.0.1',
      `  Port ${port}`,
      '  User root',
      `  IdentityFile ${join(dir, 'client')}`,
      '  IdentitiesOnly yes',
      `  UserKnownHostsFile ${join(dir, 'known_hosts')}`,
      '  StrictHostKeyChecking yes',
      '  LogLevel ERROR',
      '',
    )
    let child: ChildProcess | null = null
    const host: SshHost = {
      name,
      port,
      stateDir,
      hubCache,
      fleetPath,
      logFile,
      async start() {
        // -D: stay in the foreground as our child, so the test owns it and can kill it.
        child = spawn(SSHD, ['-D', '-f', join(home, 'sshd_config'), '-E', logFile], { stdio: 'ignore' })
        if (!(await listening(port, 5000))) throw new Error(`sshd for ${name} did not start; see ${logFile}`)
      },
      async stop() {
        const c = child
        child = null
        if (!c || c.exitCode !== null) return
        await new Promise<void>((resolve) => {
          c.once('exit', () => resolve())
          c.kill('SIGTERM')
        })
      },
    }
    hosts.push(host)
  }
  writeFileSync(join(dir, 'known_hosts'), `${known.join('\n')}\n`)
  writeFileSync(join(dir, 'ssh_config'), config.join('\n'))
  for (const h of hosts) await h.start()
  return {
    dir,
    hosts,
    env: { FLEET_SSH_COMMAND: `ssh -F ${join(dir, 'ssh_config')}` },
    ssh: `ssh -F ${join(dir, 'ssh_config')}`,
    async close() {
      for (const h of hosts) await h.stop()
      rmSync(dir, { recursive: true, force: true })
    },
  }
}
