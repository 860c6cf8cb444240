/**
 * The parts of a deployment across machines (src/plan/ranks.ts) and the launcher fleet renders for its head
 * (src/engines/mlx-lm/distributed.ts): the hostfile in the shape mlx.launch's Hostfile.from_file parses (ring: every
 * rank with an IP; JACCL: an RDMA device toward every other rank, null toward itself), what is missing when it cannot
 * be rendered, and the head's command line.
 */
import { describe, expect, it } from 'vitest'
import { loadFleetText } from '../../src/config/load.ts'
import type { Fleet } from '../../src/config/types.ts'
import { mlxDistributedLaunch, renderMlxHostfile } from '../../src/engines/mlx-lm/distributed.ts'
import { mlxBackend, mlxHostfile, rankPart } from '../../src/plan/ranks.ts'
import { inputs, paths } from '../engines/inputs.ts'

function fleetOf(links: string, hosts: Record<string, string> = { a: 'a.local', b: 'b.local', c: 'c.local' }): Fleet {
  const loaded = loadFleetText(fleetText(links, hosts))
  expect(loaded.diagnostics.filter((d) => d.severity === 'error')).toEqual([])
  return loaded.fleet!
}

function fleetText(links: string, hosts: Record<string, string> = { a: 'a.local', b: 'b.local', c: 'c.local' }): string {
  return `version: 1
machines:
${Object.entries(hosts)
  .map(([name, host]) => `  ${name}: { chip: m3-ultra, memory: 512GB${host ? `, host: ${host}` : ''} }`)
  .join('\n')}
links:
${links}
models:
  big: { source: hf:mlx-community/DeepSeek-V3.1-8bit }
deployments:
  big: { machines: [${Object.keys(hosts).join(', ')}], model: big, engine: mlx-lm, parallelism: tensor, port: 8080 }
`
}

describe('mlxHostfile', () => {
  it('ring: rank 0 runs in place, the others by host:, each with its address on a link to the others', () => {
    const fleet = fleetOf(`  ab: { between: [a, b], kind: ethernet-10g, addresses: { a: 10.0.0.1, b: 10.0.0.2 } }
  bc: { between: [b, c], kind: thunderbolt5, addresses: { c: 169.254.3.3 } }`)
    const d = fleet.deployments[0]!
    expect(mlxBackend(fleet, d)).toBe('ring')
    const r = mlxHostfile(fleet, d, 'ring')
    expect(r).toEqual({
      hostfile: {
        backend: 'ring',
        envs: ['HF_HUB_OFFLINE=1', 'HF_HUB_DISABLE_TELEMETRY=1'],
        hosts: [
          { ssh: '127.0.0.1', ips: ['10.0.0.1'], rdma: [] },
          { ssh: 'b.local', ips: ['10.0.0.2'], rdma: [] },
          { ssh: 'c.local', ips: ['169.254.3.3'], rdma: [] },
        ],
      },
    })
    // What Hostfile.from_file reads back: a JSON object with backend, envs and hosts of {ssh, ips, rdma}.
    const parsed = JSON.parse(renderMlxHostfile((r as { hostfile: Parameters<typeof renderMlxHostfile>[0] }).hostfile)) as Record<string, unknown>
    expect(Object.keys(parsed)).toEqual(['backend', 'envs', 'hosts'])
  })

  it('a host: that is an IP address serves when no link names one; a host name alone is refused (ring needs IPs)', () => {
    const ok = fleetOf('  ab: { between: [a, b], kind: ethernet-1g }', { a: '192.168.1.10', b: '192.168.1.11' })
    expect(mlxHostfile(ok, ok.deployments[0]!, 'ring')).toMatchObject({ hostfile: { hosts: [{ ips: ['192.168.1.10'] }, { ssh: '192.168.1.11', ips: ['192.168.1.11'] }] } })
    const names = fleetOf('  ab: { between: [a, b], kind: ethernet-1g }', { a: 'a.local', b: 'b.local' })
    expect(mlxHostfile(names, names.deployments[0]!, 'ring')).toEqual({
      problem: { message: expect.stringMatching(/a has no IP address .* ring backend connects to IP addresses/), hint: 'Add links.ab.addresses.a: <its IP on that link>' },
    })
  })

  it('a rank without host: cannot be started by the head', () => {
    const fleet = fleetOf('  ab: { between: [a, b], kind: ethernet-1g, addresses: { a: 10.0.0.1, b: 10.0.0.2 } }', { a: '', b: '' })
    expect(mlxHostfile(fleet, fleet.deployments[0]!, 'ring')).toMatchObject({ problem: { message: 'b has no host:, so the head a cannot start its rank over ssh' } })
  })

  it('JACCL: every pair on Thunderbolt 5 RDMA, a device toward each other rank and null toward itself', () => {
    const links = `  ab: { between: [a, b], kind: thunderbolt5-rdma, addresses: { a: 169.254.0.1, b: 169.254.0.2 }, rdmaDevices: { a: rdma_en3, b: rdma_en3 } }
  ac: { between: [a, c], kind: thunderbolt5-rdma, addresses: { c: 169.254.1.3 }, rdmaDevices: { a: rdma_en4, c: rdma_en3 } }
  bc: { between: [b, c], kind: thunderbolt5-rdma, rdmaDevices: { b: rdma_en4, c: rdma_en4 } }`
    const fleet = fleetOf(links)
    const d = fleet.deployments[0]!
    expect(mlxBackend(fleet, d)).toBe('jaccl')
    const r = mlxHostfile(fleet, d, 'jaccl')
    expect('hostfile' in r && r.hostfile.hosts.map((h) => h.rdma)).toEqual([
      [null, 'rdma_en3', 'rdma_en4'],
      ['rdma_en3', null, 'rdma_en4'],
      ['rdma_en3', 'rdma_en4', null],
    ])
    const missing = fleetOf(links.replace(', rdmaDevices: { b: rdma_en4, c: rdma_en4 }', ''))
    expect(mlxHostfile(missing, missing.deployments[0]!, 'jaccl')).toMatchObject({
      problem: { message: 'JACCL needs an RDMA device on b toward c (every pair of ranks linked by Thunderbolt 5 RDMA)' },
    })
  })

  it('one ring pair without RDMA makes the whole deployment ring', () => {
    const fleet = fleetOf(`  ab: { between: [a, b], kind: thunderbolt5-rdma }
  bc: { between: [b, c], kind: ethernet-10g }`)
    expect(mlxBackend(fleet, fleet.deployments[0]!)).toBe('ring')
  })

  it('a declared hfCache reaches every rank through the envs, and must be the same on all of them', () => {
    const links = '  ab: { between: [a, b], kind: ethernet-1g, addresses: { a: 10.0.0.1, b: 10.0.0.2 } }'
    const same = loadFleetText(fleetText(links, { a: 'a.local', b: 'b.local' }).replaceAll('memory: 512GB', 'memory: 512GB, hfCache: /Volumes/models/hub')).fleet!
    expect(mlxHostfile(same, same.deployments[0]!, 'ring')).toMatchObject({ hostfile: { envs: ['HF_HUB_OFFLINE=1', 'HF_HUB_DISABLE_TELEMETRY=1', 'HF_HUB_CACHE=/Volumes/models/hub'] } })
    const differ = loadFleetText(fleetText(links, { a: 'a.local', b: 'b.local' }).replace('memory: 512GB', 'memory: 512GB, hfCache: /Volumes/models/hub')).fleet!
    expect(mlxHostfile(differ, differ.deployments[0]!, 'ring')).toMatchObject({
      problem: { message: expect.stringMatching(/declare different hfCache folders \(a: \/Volumes\/models\/hub, b: default\)/) },
    })
  })

  it('says which part each machine plays', () => {
    const d = fleetOf('  ab: { between: [a, b], kind: ethernet-1g }').deployments[0]!
    expect(rankPart(d, 'a')).toMatchObject({ role: 'head', rank: 0, of: 3, head: 'a' })
    expect(rankPart(d, 'c')).toMatchObject({ role: 'rank', rank: 2, of: 3, head: 'a' })
    expect(rankPart(d, 'elsewhere')).toBeNull()
  })
})

describe('mlxDistributedLaunch', () => {
  it('runs mlx.launch from mlx_lm.server’s environment, then the server with the repo id and --pipeline last', () => {
    const fleet = fleetOf('  ab: { between: [a, b], kind: ethernet-1g }')
    const d = { ...fleet.deployments[0]!, parallelism: 'pipeline' as const }
    const launch = mlxDistributedLaunch({ ...inputs(d, { paths: paths({ snapshotDir: '/cache/snap' }) }), executable: '/venv/bin/mlx_lm.server' }, 'mlx-community/DeepSeek-V3.1-8bit', {
      hostfilePath: '/state/hostfile-x.json',
      backend: 'ring',
      pipeline: true,
      startingPort: 40000,
    })
    expect(launch.program).toBe('/venv/bin/mlx.launch')
    expect(launch.args.slice(0, 8)).toEqual(['--hostfile', '/state/hostfile-x.json', '--backend', 'ring', '--starting-port', '40000', '--', '/venv/bin/mlx_lm.server'])
    expect(launch.args.slice(8, 10)).toEqual(['--model', 'mlx-community/DeepSeek-V3.1-8bit'])
    expect(launch.args.at(-1)).toBe('--pipeline')
    expect(launch.readiness).toMatchObject({ kind: 'completion', url: 'http://127.0.0.1:8080/v1/completions' })
  })
})
