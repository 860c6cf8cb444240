/**
 * How Macs can be connected, for models spread across several: nominal line rate and the per-message latency the
 * transport adds. Pipeline decode crosses each link once per token; tensor parallel crosses it twice per layer, so
 * latency, not bandwidth, decides (docs/distributed.md §3).
 *
 * Sources:
 * - Line rates: Thunderbolt 5 80 Gb/s, Thunderbolt 4 40 Gb/s (Apple, Thunderbolt port specifications), 10GBASE-T
 *   10 Gb/s (Mac Studio/mini option), 1000BASE-T 1 Gb/s. Bytes/s = bits/8; protocol overhead is left to latency.
 * - Latency: RDMA over Thunderbolt 5 (macOS 26.2+, Apple TN3205): reported 5–9 µs per message (stabilise.io summary
 *   of early MLX/exo measurements) and "under 50 µs" against ~300 µs for TCP (TN3205 coverage, adwaitx.com); fleet
 *   takes 10 µs. Any TCP path (IP over Thunderbolt, Ethernet) ~300 µs per message as the same reports measured on
 *   Mac Studios **[reported, not measured by fleet]**.
 */
export const LINK_KINDS = ['thunderbolt5-rdma', 'thunderbolt5', 'thunderbolt4', 'ethernet-10g', 'ethernet-1g'] as const
export type LinkKind = (typeof LINK_KINDS)[number]

export interface LinkFacts {
  readonly label: string
  readonly bytesPerSecond: number
  readonly latencySeconds: number
  /** RDMA links carry MLX's JACCL backend; the others its ring backend (TCP). */
  readonly rdma: boolean
}

export const LINKS = {
  'thunderbolt5-rdma': { label: 'Thunderbolt 5 RDMA', bytesPerSecond: 80e9 / 8, latencySeconds: 10e-6, rdma: true },
  thunderbolt5: { label: 'IP over Thunderbolt 5', bytesPerSecond: 80e9 / 8, latencySeconds: 300e-6, rdma: false },
  thunderbolt4: { label: 'IP over Thunderbolt 4', bytesPerSecond: 40e9 / 8, latencySeconds: 300e-6, rdma: false },
  'ethernet-10g': { label: '10 Gb Ethernet', bytesPerSecond: 10e9 / 8, latencySeconds: 300e-6, rdma: false },
  'ethernet-1g': { label: '1 Gb Ethernet', bytesPerSecond: 1e9 / 8, latencySeconds: 300e-6, rdma: false },
} as const satisfies Record<LinkKind, LinkFacts>

/** Between two machines no link names, fleet assumes the slowest common one (no optimism). */
export const DEFAULT_LINK: LinkKind = 'ethernet-1g'
