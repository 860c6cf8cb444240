/** `fleet chips`: the hardware catalog the planner uses, so users can pick ids and check figures. */
import { CHIPS } from '../catalog/chips.ts'
import type { Io } from '../ui/io.ts'

export function listChips(options: { json: boolean }, io: Io): number {
  if (options.json) {
    io.out(`${JSON.stringify({ version: 1, chips: CHIPS }, null, 2)}\n`)
    return 0
  }
  const rows = CHIPS.flatMap((chip) =>
    chip.variants.map((v) => [chip.id, chip.name, `${v.cpuCores} CPU`, `${v.gpuCores} GPU`, `${v.bandwidthGBps} GB/s`, v.memoryGB.map((m) => `${m}`).join('/') + ' GB']),
  )
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)))
  for (const row of rows)
    io.out(
      `${row
        .map((cell, i) => cell.padEnd(widths[i]!))
        .join('  ')
        .trimEnd()}\n`,
    )
  return 0
}
