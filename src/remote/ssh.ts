/**
 * How fleet reaches a machine with `host:`: the user's own OpenSSH, so ~/.ssh/config, the agent, known_hosts,
 * ProxyJump and ControlMaster work as they do for the user. BatchMode: a password or host-key prompt fails at once
 * instead of hanging. Pure: builds argv and reads ssh's answers; src/remote/client.ts runs it.
 */
import type { Machine } from '../config/types.ts'

/**
 * POSIX single quotes for one word. ssh joins its remote command's words with spaces into one string that the remote
 * login shell parses, so every word fleet sends is quoted: nothing in a path can become shell syntax.
 */
export function shellQuote(word: string): string {
  if (/^[A-Za-z0-9_./=:@%+-]+$/.test(word)) return word
  return `'${word.replaceAll("'", `'\\''`)}'`
}

/** `~/x` stays unquoted at the front so the remote shell expands it; the rest is quoted. */
function quoteProgram(path: string): string {
  return path.startsWith('~/') ? `~/${shellQuote(path.slice(2))}` : shellQuote(path)
}

/**
 * `FLEET_SSH_COMMAND` replaces `ssh` (as GIT_SSH_COMMAND does for git), split on whitespace: e.g.
 * `ssh -F ~/fleet/ssh_config`. fleet's own options come after it.
 */
export function sshArgv(machine: Machine, env: NodeJS.ProcessEnv): { file: string; args: string[] } {
  return sshCommandArgv(machine.host ?? '', `${quoteProgram(machine.fleetPath ?? 'fleet')} agent`, env)
}

/** `ssh … HOST REMOTE`: one remote command line (already quoted for the remote shell), never prompting. */
export function sshCommandArgv(host: string, remote: string, env: NodeJS.ProcessEnv): { file: string; args: string[] } {
  const custom = (env.FLEET_SSH_COMMAND ?? '')
    .trim()
    .split(/\s+/)
    .filter((w) => w !== '')
  const [file, ...pre] = custom.length > 0 ? custom : ['ssh']
  return {
    file: file!,
    args: [...pre, '-o', 'BatchMode=yes', '-o', 'ConnectTimeout=10', '-o', 'ServerAliveInterval=5', '-o', 'ServerAliveCountMax=3', '-T', '--', host, remote],
  }
}

export type SshFailureKind = 'host-key' | 'auth' | 'resolve' | 'refused' | 'timeout' | 'lost' | 'other'

/** ssh exits 255 for its own errors (the remote command's code otherwise): which one, from what ssh printed. */
export function classifySshFailure(stderr: string): { kind: SshFailureKind; hint: string } {
  const text = stderr.toLowerCase()
  if (/host key verification failed|remote host identification has changed|no .* host key is known/.test(text))
    return { kind: 'host-key', hint: 'ssh does not trust this host key: connect once with ssh HOST to check and accept it (fleet never accepts keys itself)' }
  if (/permission denied|too many authentication failures|no supported authentication/.test(text))
    return { kind: 'auth', hint: 'ssh could not log in without a prompt: load your key into ssh-agent or set IdentityFile in ~/.ssh/config (fleet runs ssh with BatchMode=yes)' }
  if (/could not resolve hostname|name or service not known|nodename nor servname/.test(text))
    return { kind: 'resolve', hint: "Check the machine's host: in fleet.yaml, or its Host entry in ~/.ssh/config" }
  if (/connection refused/.test(text)) return { kind: 'refused', hint: 'Is Remote Login on? System Settings → General → Sharing → Remote Login' }
  if (/timed out|no route to host|network is unreachable|host is down/.test(text)) return { kind: 'timeout', hint: 'Is the machine awake and on the network? Try ssh HOST' }
  if (/broken pipe|connection reset|closed by remote host|timeout, server .* not responding|connection to .* closed/.test(text))
    return { kind: 'lost', hint: 'The connection dropped while fleet worked there: run the command again (an interrupted apply converges on the next run)' }
  return { kind: 'other', hint: 'Run ssh HOST true to see what ssh says' }
}
