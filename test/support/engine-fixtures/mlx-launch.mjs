#!/usr/bin/env node
// Stands in for mlx.launch (ml-explore/mlx python/mlx/_distributed_utils/launch.py @043db3d and common.py): reads the
// JSON hostfile as Hostfile.from_file does ({"backend","envs","hosts":[{"ssh","ips","rdma"}]} or a bare list), and
// starts one process per rank with the script make_launch_script builds: print a pidfile, cd, export the envs, write
// the backend's files (ring: MLX_HOSTFILE = each rank's ip:port from --starting-port up; jaccl: MLX_IBV_DEVICES and
// MLX_JACCL_COORDINATOR), export MLX_RANK, exec the command. Rank hosts whose ssh is the literal 127.0.0.1 run in
// place; others through `ssh -tt -o LogLevel=QUIET HOST SCRIPT` ($FIXTURE_SSH replaces ssh, for the test's ssh config).
// When a rank exits with an error, every other rank is terminated (and killed by its pidfile over ssh), as
// _launch_with_io does. Differences: the real launcher runs a command that is a file as `--python FILE`; this one runs
// it directly (the fixtures are Node scripts).
import { spawn, spawnSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'

const SSH = (process.env.FIXTURE_SSH ?? 'ssh').split(/\s+/).filter(Boolean)

function fail(message) {
  process.stderr.write(`mlx.launch: error: ${message}\n`)
  process.exit(2)
}

function parseArgs(argv) {
  const args = { hostfile: null, backend: null, env: [], startingPort: 32323, connectionsPerIp: 1, cwd: null, verbose: false, rest: [] }
  for (let i = 0; i < argv.length; i += 1) {
    const a = argv[i]
    const value = () => (i + 1 < argv.length ? argv[++i] : fail(`argument ${a}: expected one argument`))
    if (a === '--') {
      args.rest = argv.slice(i + 1)
      break
    } else if (a === '--hostfile') args.hostfile = value()
    else if (a === '--backend') args.backend = value()
    else if (a === '--env') args.env.push(value())
    else if (a === '--starting-port' || a === '-p') args.startingPort = Number(value())
    else if (a === '--connections-per-ip') args.connectionsPerIp = Number(value())
    else if (a === '--cwd') args.cwd = value()
    else if (a === '--verbose') args.verbose = true
    else {
      // parse_known_args: the first unknown word starts the command.
      args.rest = argv.slice(i)
      break
    }
  }
  return args
}

function readHostfile(path) {
  if (!existsSync(path)) fail(`Hostfile ${path} doesn't exist`)
  let data
  try {
    data = JSON.parse(readFileSync(path, 'utf8'))
  } catch (error) {
    fail(`Failed to parse hostfile ${path} (${error.message})`)
  }
  const hosts = Array.isArray(data) ? data : data.hosts
  if (!Array.isArray(hosts)) fail(`Failed to parse hostfile ${path} ('hosts')`)
  return {
    backend: Array.isArray(data) ? '' : (data.backend ?? ''),
    envs: Array.isArray(data) ? [] : (data.envs ?? []),
    hosts: hosts.map((h, rank) => {
      if (typeof h.ssh !== 'string') fail(`Failed to parse hostfile ${path} ('ssh')`)
      return { rank, ssh: h.ssh, ips: h.ips ?? [], rdma: h.rdma ?? [] }
    }),
  }
}

const quote = (s) => `'${String(s).replaceAll("'", `'\\''`)}'`

function launchScript(rank, cwd, files, env, command, local) {
  let script = local ? '' : 'stty -echo 2>/dev/null; '
  script += 'pidfile=$(mktemp); echo $$ > $pidfile; printf "%s\\n" $pidfile; '
  if (cwd) script += `if [[ -d ${quote(cwd)} ]]; then cd ${quote(cwd)}; fi; `
  for (const e of env) {
    const [key, ...value] = e.split('=')
    if (!/^[A-Za-z0-9_]+$/.test(key)) continue
    script += `export ${key}=${quote(value.join('='))}; `
  }
  for (const [name, content] of Object.entries(files)) script += `fname=$(mktemp); echo ${quote(content)} >$fname; export ${name}=$fname; `
  script += `export MLX_RANK=${rank}; `
  script += `cmd=(${command.map(quote).join(' ')}); exec "\${cmd[@]}"`
  return script
}

const args = parseArgs(process.argv.slice(2))
if (args.rest.length === 0) fail('No script is provided')
if (args.hostfile === null) fail('this fixture needs --hostfile')
const hostfile = readHostfile(args.hostfile)
const backend = args.backend ?? (hostfile.backend || 'ring')
const env = [...hostfile.envs, ...args.env]
let files = {}
if (backend === 'ring') {
  if (hostfile.hosts.some((h) => h.ips.length === 0)) fail('The ring backend requires IPs to be provided instead of hostnames')
  let port = args.startingPort
  const ring = hostfile.hosts.map((h) => h.ips.flatMap((ip) => Array.from({ length: args.connectionsPerIp }, () => `${ip}:${port++}`)))
  files = { MLX_HOSTFILE: ring.length > 1 ? JSON.stringify(ring) : '' }
} else if (backend === 'jaccl' || backend === 'jaccl-ring') {
  const n = hostfile.hosts.length
  if (!hostfile.hosts[0].ips.length) fail('Rank 0 should have an IP reachable from all other ranks')
  if (!hostfile.hosts.every((h, i) => h.rdma.length === n && h.rdma[i] === null)) fail('Malformed hostfile for jaccl backend')
  env.push(`MLX_JACCL_COORDINATOR=${hostfile.hosts[0].ips[0]}:${args.startingPort}`, `MLX_DISTRIBUTED_BACKEND=${backend}`)
  files = { MLX_IBV_DEVICES: JSON.stringify(hostfile.hosts.map((h) => h.rdma)) }
} else fail(`The backend should be one of {'ring', 'mpi', 'nccl', 'jaccl', 'jaccl-ring'}, not ${backend}`)

const ranks = hostfile.hosts.map((h) => {
  const local = h.ssh === '127.0.0.1'
  const script = launchScript(h.rank, args.cwd, files, env, args.rest, local)
  const argv = local ? ['/bin/bash', '-c', script] : [...SSH, '-tt', '-o', 'LogLevel=QUIET', h.ssh, script]
  const child = spawn(argv[0], argv.slice(1), { stdio: ['pipe', 'pipe', 'pipe'] })
  const rank = { host: h, child, pidfile: null, exit: null, killed: false }
  let first = true
  child.stdout.on('data', (chunk) => {
    let text = chunk.toString()
    if (first) {
      const [pidfile, ...restLines] = text.split('\n')
      rank.pidfile = pidfile.trim()
      text = restLines.join('\n')
      first = false
    }
    process.stdout.write(text)
  })
  child.stderr.on('data', (chunk) => process.stderr.write(chunk))
  child.on('exit', (code, signal) => {
    rank.exit = code ?? (signal ? 128 : 1)
    if (rank.exit !== 0 && !stopping) {
      process.stderr.write(`[WARN] Node with rank ${h.rank} exited with code ${rank.exit}\n`)
      stopAll()
    }
    if (ranks.every((r) => r.exit !== null)) process.exit(0)
  })
  return rank
})

let stopping = false
function stopAll() {
  stopping = true
  for (const r of ranks) {
    if (r.exit !== null) continue
    r.child.kill('SIGTERM')
    if (r.host.ssh !== '127.0.0.1' && r.pidfile) {
      // The remote rank may outlive its ssh session: kill it by the pid its script wrote.
      spawnSync(SSH[0], [...SSH.slice(1), r.host.ssh, `pid=$(cat ${r.pidfile}); if ps -p $pid >/dev/null; then kill $pid; fi; rm -f ${r.pidfile}`], { stdio: 'ignore', timeout: 10_000 })
    }
  }
}
// Stopped by the service manager: stop every rank, as a KeyboardInterrupt in the real launcher would.
for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP']) process.on(signal, () => stopAll())
