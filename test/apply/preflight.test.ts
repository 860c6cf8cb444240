/**
 * The head's checks before it starts a launcher across machines (src/apply/preflight.ts), run against a real program
 * standing in for ssh: a script that answers as ssh does (exit 255 with its own message on a refused login, the remote
 * command's exit code otherwise) after recording the argv fleet built.
 */
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { createServer, type AddressInfo } from 'node:net'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { runPreflight } from '../../src/apply/preflight.ts'
import { runProgram } from '../../src/process/run.ts'
import { freePort } from '../support/engine-fixtures/index.ts'

function fakeSsh(dir: string): string {
  const path = join(dir, 'ssh')
  // Host "locked" refuses the key; otherwise run the remote command here with sh, as the remote login shell would.
  writeFileSync(
    path,
    `#!/bin/sh
printf '%s\\n' "$@" >> ${JSON.stringify(join(dir, 'argv'))}
while [ "$1" != "--" ]; do shift; done
shift
host=$1; shift
if [ "$host" = locked ]; then echo "root@locked: Permission denied (publickey)." >&2; exit 255; fi
exec /bin/sh -c "$1"
`,
  )
  chmodSync(path, 0o755)
  return path
}

describe('runPreflight', () => {
  it('passes when every rank answers and has the engine; names the rank and the missing path otherwise', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fleet-preflight-'))
    const ssh = fakeSsh(dir)
    const server = join(dir, 'mlx_lm.server')
    writeFileSync(server, '#!/bin/sh\n')
    chmodSync(server, 0o755)
    const env = { FLEET_SSH_COMMAND: `${ssh} -F /dev/null` }
    const deps = { run: runProgram, env, here: 'ultra-a' }
    expect(await runPreflight([{ kind: 'ssh', machine: 'ultra-b', host: 'b', executables: [server] }], deps)).toEqual([])
    const missing = join(dir, 'mlx.launch')
    expect(await runPreflight([{ kind: 'ssh', machine: 'ultra-b', host: 'b', executables: [server, missing] }], deps)).toEqual([
      `ultra-b has no ${missing} (mlx.launch runs the same command, at the same path, on every rank)`,
    ])
    expect(await runPreflight([{ kind: 'ssh', machine: 'ultra-c', host: 'locked', executables: [server] }], deps)).toEqual([
      'ultra-a cannot reach ultra-c with ssh locked without a password (auth: root@locked: Permission denied (publickey).)',
    ])
    // BatchMode: ssh may never stop to ask for a password or a host key.
    expect(readFileSync(join(dir, 'argv'), 'utf8')).toContain('BatchMode=yes')
  })

  it("tcp: a worker's rpc-server port that accepts passes; a closed one names the worker and the address", async () => {
    const server = createServer((socket) => socket.destroy())
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()))
    const open = (server.address() as AddressInfo).port
    const closed = await freePort()
    const deps = { run: runProgram, env: {}, here: 'ultra-a' }
    try {
      expect(await runPreflight([{ kind: 'tcp', machine: 'ultra-b', host: '127.0.0.1', port: open }], deps)).toEqual([])
      expect(await runPreflight([{ kind: 'tcp', machine: 'ultra-b', host: '127.0.0.1', port: closed }], deps)).toEqual([
        `ultra-a cannot reach ultra-b's rpc-server at 127.0.0.1:${closed} (connection refused (nothing is listening on that port))`,
      ])
    } finally {
      server.close()
    }
  })
})
