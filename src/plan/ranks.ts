/**
 * Who does what for a deployment on several machines (machines: [head, …]): the head (the first machine) runs the
 * engine's launcher as its service; every other machine is a rank the launcher starts over ssh (mlx.launch), after that
 * machine has pulled the model into its own cache. The hostfile's addresses come from links: (each machine's address
 * on the link to the others), else from a host: that is an IP address. Pure.
 */
import { LINKS } from '../catalog/links.ts'
import type { Deployment, Fleet, Link, Machine } from '../config/types.ts'
import type { MlxHostfile, MlxHostfileHost } from '../engines/mlx-lm/distributed.ts'
import { MLX_RANK_ENVS } from '../engines/mlx-lm/distributed.ts'
import type { RpcEndpoint } from '../engines/llama-cpp/distributed.ts'

export type RankRole = 'head' | 'rank'

export interface RankPart {
  readonly deployment: string
  readonly role: RankRole
  /** 0 is the head (MLX rank 0, which serves HTTP). */
  readonly rank: number
  readonly of: number
  readonly head: string
  readonly machines: readonly string[]
}

export function isDistributed(d: Deployment): boolean {
  return d.machines.length > 1
}

/** This machine's part of a deployment, or null when the deployment does not run here. */
export function rankPart(d: Deployment, machine: string): RankPart | null {
  const rank = d.machines.indexOf(machine)
  if (rank < 0) return null
  return { deployment: d.name, role: rank === 0 ? 'head' : 'rank', rank, of: d.machines.length, head: d.machines[0]!, machines: d.machines }
}

export type RankProblem = { readonly message: string; readonly hint: string }

function linkBetween(links: readonly Link[], a: string, b: string): Link | undefined {
  return links.find((l) => l.between.includes(a) && l.between.includes(b))
}

/** A machine's address toward the other ranks: declared on one of its links to them, else its host when that is an IP. */
export function addressOf(fleet: Fleet, machine: Machine, others: readonly Machine[]): string | null {
  for (const other of others) {
    const address = linkBetween(fleet.links, machine.name, other.name)?.addresses[machine.name]
    if (address !== undefined) return address
  }
  return machine.host !== null && isIpAddress(machine.host) ? machine.host : null
}

/** An IPv4 or IPv6 literal (what MLX's ring backend and rpc-server's --host take), not a host name. */
export function isIpAddress(text: string): boolean {
  const v4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(text)
  if (v4) return v4.slice(1).every((part) => Number(part) <= 255)
  return text.includes(':') && /^[0-9A-Fa-f:.]+$/.test(text)
}

/**
 * The hostfile mlx.launch reads for the deployment, or what is missing. Rank 0 runs in place (ssh 127.0.0.1, so the
 * head needs no ssh to itself); the others by their host:, which the head must reach without a password.
 */
export function mlxHostfile(fleet: Fleet, d: Deployment, backend: 'ring' | 'jaccl'): { hostfile: MlxHostfile } | { problem: RankProblem } {
  const machines = d.machines.map((name) => fleet.machines.find((m) => m.name === name)!)
  const hosts: MlxHostfileHost[] = []
  for (const [i, m] of machines.entries()) {
    const others = machines.filter((o) => o !== m)
    if (i > 0 && m.host === null) {
      return {
        problem: {
          message: `${m.name} has no host:, so the head ${machines[0]!.name} cannot start its rank over ssh`,
          hint: `Give machines.${m.name} the host: the head reaches it by (with passwordless ssh), or make it the first of machines:`,
        },
      }
    }
    const address = addressOf(fleet, m, others)
    if (address === null) {
      const link = others.map((o) => linkBetween(fleet.links, m.name, o.name)).find((l) => l !== undefined)
      return {
        problem: {
          message: `${m.name} has no IP address for the other ranks: MLX's ${backend} backend connects to IP addresses, not host names`,
          hint: link ? `Add links.${link.name}.addresses.${m.name}: <its IP on that link>` : `Declare a link between ${m.name} and ${others[0]!.name} with addresses: (or give it an IP as host:)`,
        },
      }
    }
    const rdma: (string | null)[] = []
    if (backend === 'jaccl') {
      for (const o of machines) {
        if (o === m) {
          rdma.push(null)
          continue
        }
        const link = linkBetween(fleet.links, m.name, o.name)
        const device = link?.rdmaDevices[m.name]
        if (!link || !LINKS[link.kind].rdma || device === undefined) {
          return {
            problem: {
              message: `JACCL needs an RDMA device on ${m.name} toward ${o.name} (every pair of ranks linked by Thunderbolt 5 RDMA)`,
              hint: link
                ? `Add links.${link.name}.rdmaDevices.${m.name}: <the device ibv_devices lists, e.g. rdma_en3>`
                : `Declare a thunderbolt5-rdma link between ${m.name} and ${o.name} with rdmaDevices:`,
            },
          }
        }
        rdma.push(device)
      }
    }
    hosts.push({ ssh: i === 0 ? '127.0.0.1' : m.host!, ips: [address], rdma })
  }
  // The hostfile's envs reach every rank alike: a declared cache folder must be the same on all of them.
  const caches = [...new Set(machines.map((m) => m.hfCache))]
  if (caches.length > 1) {
    return {
      problem: {
        message: `mlx.launch gives every rank the same environment, but the machines of ${d.name} declare different hfCache folders (${machines.map((m) => `${m.name}: ${m.hfCache ?? 'default'}`).join(', ')})`,
        hint: `Declare the same hfCache on ${d.machines.join(', ')}, or none`,
      },
    }
  }
  const cache = caches[0] ?? null
  return { hostfile: { backend, envs: [...MLX_RANK_ENVS, ...(cache === null ? [] : [`HF_HUB_CACHE=${cache}`])], hosts } }
}

/** JACCL when every pair of ranks has a Thunderbolt 5 RDMA link (its hostfile needs a device toward each), else ring. */
export function mlxBackend(fleet: Fleet, d: Deployment): 'ring' | 'jaccl' {
  const pairs = d.machines.flatMap((a, i) => d.machines.slice(i + 1).map((b) => [a, b] as const))
  return pairs.every(([a, b]) => {
    const link = linkBetween(fleet.links, a, b)
    return link !== undefined && LINKS[link.kind].rdma
  })
    ? 'jaccl'
    : 'ring'
}

/**
 * Where each llama.cpp worker's rpc-server listens: its address on the link to the others (it must bind there and
 * nowhere else, being unauthenticated), or what is missing.
 */
export function rpcEndpoints(fleet: Fleet, d: Deployment, port: number): { endpoints: RpcEndpoint[] } | { problem: RankProblem } {
  const machines = d.machines.map((name) => fleet.machines.find((m) => m.name === name)!)
  const endpoints: RpcEndpoint[] = []
  for (const m of machines.slice(1)) {
    const address = addressOf(
      fleet,
      m,
      machines.filter((o) => o !== m),
    )
    if (address === null) {
      const link = machines.map((o) => (o === m ? undefined : linkBetween(fleet.links, m.name, o.name))).find((l) => l !== undefined)
      return {
        problem: {
          message: `${m.name} has no IP address on the cluster link for its rpc-server (unauthenticated, so fleet binds it to that address only)`,
          hint: link ? `Add links.${link.name}.addresses.${m.name}: <its IP on that link>` : `Declare a link between ${m.name} and ${machines[0]!.name} with addresses:`,
        },
      }
    }
    endpoints.push({ machine: m.name, host: address, port })
  }
  return { endpoints }
}
