/**
 * The real memory of a running server, for `fleet status`: the service's process and every process under it (a
 * launcher such as mlx.launch runs the server as its child). On macOS the resident set leaves out Metal buffers,
 * which is where the weights and KV cache live, so fleet asks `footprint` for the physical footprint (what Activity
 * Monitor's Memory column shows) and falls back to ps's RSS, saying which it is. On Linux it sums VmRSS from /proc.
 * An adapter: the parsing is pure and exported for the tests.
 */
import { readFileSync } from 'node:fs'
import { runProgram, type ProgramRunner } from '../process/run.ts'

export type FootprintKind = 'phys_footprint' | 'rss'

export interface Footprint {
  readonly bytes: number
  readonly kind: FootprintKind
  /** Where the figure came from, for people. */
  readonly source: string
  readonly pids: readonly number[]
}

/** `ps -A -o pid=,ppid=` → the pid and all its descendants. */
export function processTree(psOutput: string, root: number): number[] {
  const children = new Map<number, number[]>()
  for (const line of psOutput.split('\n')) {
    const [pid, ppid] = line.trim().split(/\s+/).map(Number)
    if (!Number.isInteger(pid) || !Number.isInteger(ppid)) continue
    children.set(ppid!, [...(children.get(ppid!) ?? []), pid!])
  }
  const out: number[] = []
  const queue = [root]
  while (queue.length > 0 && out.length < 10_000) {
    const pid = queue.shift()!
    if (out.includes(pid)) continue
    out.push(pid)
    queue.push(...(children.get(pid) ?? []))
  }
  return out
}

/** /proc/PID/status "VmRSS:   123456 kB". */
export function parseVmRss(status: string): number | null {
  const match = /^VmRSS:\s+(\d+)\s+kB$/m.exec(status)
  return match ? Number(match[1]) * 1024 : null
}

/**
 * macOS `footprint -p PID`: one header per process, "NAME [PID]: 64-bit    Footprint: 5012 MB (16384 bytes per page)",
 * or with several processes a summary. Returns the footprint of each pid found.
 */
export function parseFootprint(text: string): Map<number, number> {
  const out = new Map<number, number>()
  const units: Record<string, number> = { B: 1, KB: 1024, MB: 1024 ** 2, GB: 1024 ** 3, TB: 1024 ** 4 }
  for (const match of text.matchAll(/\[(\d+)\]:.*?Footprint:\s+([\d.]+)\s*(B|KB|MB|GB|TB)/gi)) {
    out.set(Number(match[1]), Math.round(Number(match[2]) * (units[match[3]!.toUpperCase()] ?? 1)))
  }
  return out
}

/** `ps -A -o pid=,ppid=` once, for several footprintOf calls (status reads every server's). */
export async function processTable(run: ProgramRunner = runProgram): Promise<string | null> {
  const ps = await run('ps', ['-A', '-o', 'pid=,ppid='])
  return ps.exitCode === 0 ? ps.stdout : null
}

export async function footprintOf(
  pid: number,
  options: { platform?: NodeJS.Platform; run?: ProgramRunner; readText?: (path: string) => string | null; processes?: string | null } = {},
): Promise<Footprint | null> {
  const platform = options.platform ?? process.platform
  const run = options.run ?? runProgram
  const readText =
    options.readText ??
    ((path: string) => {
      try {
        return readFileSync(path, 'utf8')
      } catch {
        return null
      }
    })
  const table = options.processes !== undefined ? options.processes : await processTable(run)
  const pids = table !== null ? processTree(table, pid) : [pid]
  if (platform === 'linux') {
    const sizes = pids.map((p) => parseVmRss(readText(`/proc/${p}/status`) ?? '') ?? 0)
    return { bytes: sizes.reduce((a, b) => a + b, 0), kind: 'rss', source: '/proc/PID/status VmRSS, summed over the process tree', pids }
  }
  if (platform === 'darwin') {
    // `footprint -p PID` (one process each: the form recorded in test/fixtures/macos/footprint-ruby-excerpt).
    const found = new Map<number, number>()
    for (const p of pids) {
      const fp = await run('footprint', ['-p', String(p)], { timeoutMs: 20_000 })
      if (fp.exitCode === 0) for (const [pid, bytes] of parseFootprint(fp.stdout)) found.set(pid, bytes)
    }
    if (found.size > 0) return { bytes: [...found.values()].reduce((a, b) => a + b, 0), kind: 'phys_footprint', source: 'footprint (physical footprint, Metal buffers included)', pids }
  }
  // Elsewhere, or without footprint: ps's resident set (on macOS it leaves out the Metal buffers, so it says so).
  const rss = await run('ps', ['-o', 'rss=', '-p', pids.join(',')])
  const kib = rss.stdout
    .split('\n')
    .map((l) => Number.parseInt(l.trim(), 10))
    .filter((n) => Number.isFinite(n))
  if (rss.exitCode !== 0 || kib.length === 0) return null
  return { bytes: kib.reduce((a, b) => a + b, 0) * 1024, kind: 'rss', source: platform === 'darwin' ? 'ps RSS (leaves out Metal buffers: footprint was not available)' : 'ps RSS', pids }
}
