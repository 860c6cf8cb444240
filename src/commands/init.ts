/**
 * `fleet init [--chip ID] [--memory SIZE]`: a starter fleet.yaml for this machine, from `fleet probe`'s facts — the
 * chip and RAM (or the flags, off a Mac or to plan another one), a reserve that leaves macOS room, and one MLX
 * deployment: the largest model of a short list that fleet's own plan says fits this machine with room to spare and
 * decodes at least as fast as the speed rules ask (planned offline, from the built-in catalog). Never overwrites.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { hostname, tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { SCHEMA_URL } from '../config/schema.ts'
import { findChip } from '../catalog/chips.ts'
import { UserError } from '../errors.ts'
import { resolveHubConfig } from '../hub/config.ts'
import { probeLocal } from '../probe/probe-local.ts'
import type { PlanDocument } from '../plan/types.ts'
import { styler, type Io } from '../ui/io.ts'
import { getPlan } from './get-plan.ts'
import { prepare } from './prepare.ts'

/**
 * MLX conversions the catalog sizes offline, largest first. Quantized to 4 bits (8 for gpt-oss's MXFP4 experts):
 * the usual first choice for a chat server on a Mac.
 */
export const INIT_CANDIDATES = [
  'mlx-community/Qwen3-235B-A22B-Instruct-2507-4bit',
  'mlx-community/gpt-oss-120b-MXFP4-Q8',
  'mlx-community/Llama-3.3-70B-Instruct-4bit',
  'mlx-community/Qwen3-30B-A3B-4bit',
  'mlx-community/gpt-oss-20b-MXFP4-Q8',
  'mlx-community/Qwen3-8B-4bit',
  'mlx-community/Meta-Llama-3.1-8B-Instruct-4bit',
] as const

/** What macOS and the user's apps keep: 6 GiB up to 32 GB, 8 up to 64, 12 up to 128, 16 beyond. */
export function starterReserveGiB(memoryGB: number): number {
  return memoryGB <= 32 ? 6 : memoryGB <= 64 ? 8 : memoryGB <= 128 ? 12 : 16
}

export interface InitOptions {
  readonly file: string
  readonly chip?: string
  /** e.g. "64GB" (Apple's GB). */
  readonly memory?: string
  readonly cwd?: string
}

function machineName(): string {
  const name = hostname()
    .split('.')[0]!
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/^-+|-+$/g, '')
  return /^[a-z0-9]/.test(name) ? name.slice(0, 40) : 'mac'
}

export function starterFleet(o: { machine: string; chip: string; gpuCores?: number | null; memoryGB: number; reserveGiB: number; repo: string; serviceManager: 'auto' | 'process' }): string {
  return `# yaml-language-server: $schema=./fleet.schema.json
# Written by fleet init from this machine's probe. Check it with: fleet plan
version: 1
machines:
  ${o.machine}:
    chip: ${o.chip}${o.gpuCores ? `\n    gpuCores: ${o.gpuCores}` : ''}
    memory: ${o.memoryGB}GB
    reserve: ${o.reserveGiB}GiB${o.serviceManager === 'process' ? '\n    serviceManager: process' : ''}
models:
  chat:
    source: hf:${o.repo}
deployments:
  chat:
    machine: ${o.machine}
    model: chat
    engine: mlx-lm
    port: 8080
    context: 8k
`
}

/** fleet's own plan of a candidate, offline: does it fit with no errors, and meet the speed rules? */
async function judge(text: string, io: Io): Promise<PlanDocument | null> {
  const dir = mkdtempSync(join(tmpdir(), 'fleet-init-'))
  try {
    writeFileSync(join(dir, 'fleet.yaml'), text)
    const quiet: Io = { ...io, out: () => {}, err: () => {}, isTTY: false, env: { ...io.env, HF_HUB_OFFLINE: '1' } }
    const prepared = await prepare({ file: 'fleet.yaml', cwd: dir, json: true, offline: true }, quiet)
    if (!prepared) return null
    const { document } = await getPlan(prepared, null, { now: new Date() })
    const slow = document.diagnostics.some((d) => d.code === 'min-decode-speed' || d.code === 'chat-speed')
    return document.summary.errors === 0 && document.summary.fits && !slow ? document : null
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

export async function init(options: InitOptions, io: Io): Promise<number> {
  const paint = styler(io.color)
  const path = resolve(options.cwd ?? process.cwd(), options.file)
  if (existsSync(path)) throw new UserError(`${options.file} already exists; fleet init never overwrites a file`, { hint: 'Edit it, move it away, or write elsewhere with -f other.yaml' })
  const probe = await probeLocal({ machine: null, hubCache: resolveHubConfig(io.env).hubCache, now: new Date(), bandwidthBytes: 2 ** 26 })
  const chip = options.chip ?? probe.chipId
  if (!chip || !findChip(chip)) {
    throw new UserError(options.chip ? `--chip ${options.chip} is not a chip fleet knows` : `fleet init cannot tell this machine's chip (${probe.chip?.value ?? 'unknown'}: not an Apple Mac)`, {
      hint: 'Pass --chip ID and --memory SIZE for the Mac to plan (fleet chips lists them), e.g. --chip m4-max --memory 64GB',
    })
  }
  const memoryGB = options.memory !== undefined ? Number.parseInt(options.memory, 10) : probe.memoryBytes ? Math.round(probe.memoryBytes.value / 2 ** 30) : Number.NaN
  if (!Number.isFinite(memoryGB) || memoryGB <= 0)
    throw new UserError(`cannot tell this machine's memory${options.memory ? ` from --memory ${options.memory}` : ''}`, { hint: 'Pass --memory SIZE, e.g. --memory 64GB' })
  // The probed GPU-core bin, when it is one Apple sold with this chip (prefill speed follows the cores).
  const probedCores = options.chip === undefined ? (probe.gpuCores?.value ?? null) : null
  const gpuCores = probedCores !== null && findChip(chip)!.variants.some((v) => v.gpuCores === probedCores) ? probedCores : null
  const fields = { machine: machineName(), chip, gpuCores, memoryGB, reserveGiB: starterReserveGiB(memoryGB), serviceManager: process.platform === 'darwin' ? ('auto' as const) : ('process' as const) }
  for (const repo of INIT_CANDIDATES) {
    const text = starterFleet({ ...fields, repo })
    const document = await judge(text, io)
    if (!document) continue
    writeFileSync(path, text, { flag: 'wx' })
    // The schema the modeline names, for the editor's completion and checks (kept if one is there already).
    const schema = join(dirname(path), 'fleet.schema.json')
    if (!existsSync(schema)) writeFileSync(schema, readFileSync(SCHEMA_URL, 'utf8'))
    const machine = document.machines[0]!
    const d = document.deployments[0]!
    const tps = d.decodeTokensPerSecond ? `~${d.decodeTokensPerSecond.typical.toFixed(0)} tok/s` : 'speed unknown'
    io.out(
      `${paint('green', `Wrote ${options.file}`)}: ${fields.machine} (${findChip(chip)!.name}, ${memoryGB} GB, reserve ${fields.reserveGiB} GiB) serving ${repo} as "chat" on port 8080 — ${(machine.usedBytes / 2 ** 30).toFixed(1)} of ${(machine.budgetBytes / 2 ** 30).toFixed(1)} GiB, ${tps}.\nNext: fleet plan, then fleet apply.\n`,
    )
    return 0
  }
  throw new UserError(`no model on fleet init's list fits ${memoryGB} GB with ${fields.reserveGiB} GiB reserved and meets the speed rules`, {
    hint: 'Write fleet.yaml by hand (README: fleet.yaml), with a smaller model or a GGUF on llama.cpp',
  })
}
