/**
 * `fleet bench [DEPLOYMENT…]`: measure the running servers through their OpenAI-compatible streaming API (warm-up
 * excluded, several prompt lengths up to the context, 1 and `parallel` streams, repetitions with their spread) and
 * print each point next to the plan's prediction. Each machine benchmarks its own servers (on 127.0.0.1: over ssh,
 * fleet runs the bench there), so no network sits between the client and the server. `--calibrate` fits that
 * machine's speed constants to the measurements and records them in fleet.calibration.json, which every later plan
 * predicts with; `--out FILE` writes the results as JSON; `--report FILE.svg` draws predicted against measured.
 */
import { writeFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { calibrationKey, fitCalibration, lookupIn, type MachineCalibration } from '../bench/calibrate.ts'
import type { EngineId } from '../catalog/engines.ts'
import { findChip } from '../catalog/chips.ts'
import { SPEED_CONSTANTS } from '../sizing/speed-constants.ts'
import { calibrationPathFor, writeCalibrations } from '../bench/file.ts'
import { renderBenchReport } from '../bench/report-svg.ts'
import { benchDeployment, type BenchResult, type BenchTarget } from '../bench/run.ts'
import { streamCompletion } from '../bench/stream.ts'
import { engineSizing } from '../engines/index.ts'
import { UserError } from '../errors.ts'
import { localRuntime } from '../observe/local.ts'
import { callRemote } from '../remote/client.ts'
import { fleetPayload, REMOTE_CONCURRENCY, selectMachines } from '../remote/machines.ts'
import { speedInputsOf } from '../sizing/deployment.ts'
import { decodeSecondsAt, peakFlops } from '../sizing/speed.ts'
import { footprintOf } from '../observe/footprint.ts'
import { styler, type Io } from '../ui/io.ts'
import { formatTable } from '../ui/table.ts'
import { mapLimit } from '../util/map-limit.ts'
import { calibrationOf, getPlan } from './get-plan.ts'
import { prepare } from './prepare.ts'

export interface BenchSettings {
  readonly deployments: readonly string[]
  readonly repetitions: number
  readonly maxTokens: number
  readonly lengths?: readonly number[]
}

export interface BenchOptions extends BenchSettings {
  readonly file: string
  readonly machines: readonly string[]
  readonly json: boolean
  readonly calibrate: boolean
  readonly out?: string
  readonly report?: string
  readonly cwd?: string
}

export interface MachineBench {
  readonly version: 1
  readonly machine: string
  readonly measuredAt: string
  readonly results: readonly BenchResult[]
}

const REQUEST_TIMEOUT_MS = 600_000

/** This machine's servers: the agent's side, and the control point's own machine. Prints one MachineBench as JSON. */
export async function benchHere(options: BenchSettings & { file: string; cwd?: string; machine?: string }, io: Io): Promise<number> {
  const prepared = await prepare({ file: options.file, ...(options.cwd ? { cwd: options.cwd } : {}), json: true, offline: true }, { ...io, out: () => {} })
  if (!prepared) throw new UserError(`${options.file} has errors`, { hint: 'Run fleet validate' })
  const runtime = await localRuntime(prepared.fleet, io.env, options.machine === undefined ? {} : { machine: options.machine })
  if (!runtime) throw new UserError(`no machine in ${prepared.fleet.file} is this one`, { hint: 'Pass --machine NAME' })
  const { desired } = await getPlan(prepared, runtime, { now: new Date(), observe: false })
  const calibration = calibrationOf(prepared)
  const targets: BenchTarget[] = []
  const skipped: string[] = []
  for (const service of desired) {
    const d = service.deployment
    if (options.deployments.length > 0 && !options.deployments.includes(d.name)) continue
    if (service.rank && service.rank.role !== 'head') continue
    if (!service.warmup) {
      // A named deployment fleet cannot talk to (a `command`): said, not silently skipped.
      if (options.deployments.includes(d.name)) io.err(`${d.name}: not benchmarked: fleet knows no completions endpoint for engine ${d.engine}\n`)
      skipped.push(d.name)
      continue
    }
    const facts = d.model === null ? undefined : prepared.resolved.facts.get(d.model)
    const family = engineSizing(d)?.speedFamily
    // A head across machines is not one machine's speed: measured and shown, never predicted or calibrated here.
    const speed =
      !service.rank && facts?.architecture && family && d.engine !== 'command' ? speedInputsOf(d, runtime.machine, facts, facts.architecture, family, calibration(runtime.machine, d.engine)) : null
    targets.push({
      deployment: d.name,
      machine: runtime.machine.name,
      engine: d.engine,
      url: new URL('/v1/completions', service.warmup.url).href,
      model: String(service.warmup.body.model ?? d.name),
      context: d.context,
      parallel: d.parallel,
      speed,
    })
  }
  const results: BenchResult[] = []
  for (const target of targets) {
    const measured = await benchDeployment(target, {
      repetitions: options.repetitions,
      maxTokens: options.maxTokens,
      ...(options.lengths ? { lengths: options.lengths } : {}),
      timeoutMs: REQUEST_TIMEOUT_MS,
      stream: (request) => streamCompletion(request),
      onProgress: (message) => io.err(`${message}\n`),
    })
    // Its real memory after the run, for the report's planned-against-real bars.
    const state = await runtime.backend.state(`dev.fleet.${target.deployment}`)
    const footprint = state.pid === null ? null : await footprintOf(state.pid)
    results.push({ ...measured, memory: footprint ? { bytes: footprint.bytes, source: footprint.source } : null })
  }
  const doc: MachineBench = { version: 1, machine: runtime.machine.name, measuredAt: new Date().toISOString(), results }
  io.out(`${JSON.stringify(doc)}\n`)
  return results.every((r) => r.errors.length === 0 && r.points.length > 0) && !skipped.some((name) => options.deployments.includes(name)) ? 0 : 1
}

export async function bench(options: BenchOptions, io: Io): Promise<number> {
  const paint = styler(io.color)
  const prepared = await prepare({ file: options.file, ...(options.cwd ? { cwd: options.cwd } : {}), json: options.json, offline: true }, io)
  if (!prepared) return 1
  const fleet = prepared.fleet
  for (const name of options.deployments) {
    if (!fleet.deployments.some((d) => d.name === name))
      throw new UserError(`${name} is not a deployment in ${fleet.file}`, { hint: `Deployments: ${fleet.deployments.map((d) => d.name).join(', ')}` })
  }
  const selection = selectMachines(fleet, options.machines)
  const wanted = (name: string): boolean => options.deployments.length === 0 || fleet.deployments.some((d) => d.machine === name && options.deployments.includes(d.name))
  const chosen = [...(selection.local ? [selection.local] : []), ...selection.remote].filter((m) => wanted(m.name))
  if (chosen.length === 0) throw new UserError('no machine to benchmark', { hint: 'Name deployments that fleet.yaml places on this machine or on a machine with host:' })
  const settings: BenchSettings = { deployments: options.deployments, repetitions: options.repetitions, maxTokens: options.maxTokens, ...(options.lengths ? { lengths: options.lengths } : {}) }
  const payload = fleetPayload(prepared.path, prepared.source.text)
  const benches = await mapLimit(chosen, REMOTE_CONCURRENCY, async (machine): Promise<MachineBench | { machine: string; error: string }> => {
    let out = ''
    const capture: Io = { ...io, out: (t) => void (out += t), isTTY: false }
    try {
      if (machine.host === null) await benchHere({ ...settings, file: options.file, ...(options.cwd ? { cwd: options.cwd } : {}), machine: machine.name }, capture)
      else {
        const outcome = await callRemote(machine, io.env, { op: 'bench', fleet: payload, args: { bench: settings }, onErr: (t) => io.err(t) })
        if (!outcome.ok) return { machine: machine.name, error: outcome.failure.message }
        if (outcome.error) return { machine: machine.name, error: outcome.error.message }
        out = outcome.out
      }
      return JSON.parse(out) as MachineBench
    } catch (error) {
      if (error instanceof UserError || error instanceof SyntaxError) return { machine: machine.name, error: error.message }
      throw error
    }
  })
  const measured = benches.filter((b): b is MachineBench => 'results' in b)
  const calibrations: MachineCalibration[] = []
  if (options.calibrate) {
    for (const b of measured) {
      const machine = fleet.machines.find((m) => m.name === b.machine)!
      const byEngine = new Map<EngineId, BenchResult['calibration'][number][]>()
      for (const r of b.results) {
        const d = fleet.deployments.find((x) => x.name === r.deployment)
        if (d && d.engine !== 'command') byEngine.set(d.engine, [...(byEngine.get(d.engine) ?? []), ...r.calibration])
      }
      for (const [engine, points] of byEngine) {
        const d = fleet.deployments.find((x) => x.engine === engine)!
        const family = engineSizing(d)?.speedFamily
        if (!family) continue
        const fitted = fitCalibration(points, {
          machine: machine.name,
          engine,
          bandwidthBytesPerSecond: machine.bandwidthBytesPerSecond,
          peakFlops: peakFlops(machine),
          measuredAt: b.measuredAt,
          fittedPerTokenSeconds: SPEED_CONSTANTS[family][findChip(machine.chip)?.tier ?? 'base'].perTokenSeconds,
        })
        if (fitted) calibrations.push(fitted)
      }
    }
    if (calibrations.length > 0) writeCalibrations(calibrationPathFor(prepared.path), calibrations)
  }
  const doc = { version: 1 as const, machines: benches, calibrations }
  if (options.out !== undefined) writeFileSync(resolve(options.cwd ?? process.cwd(), options.out), `${JSON.stringify(doc, null, 2)}\n`)
  if (options.report !== undefined) {
    const { document: plan } = await getPlan(prepared, null, { now: new Date(), observe: false })
    // With new constants, the report also draws what the plan predicts from now on.
    const lookup = lookupIn({ version: 1, calibrations: Object.fromEntries(calibrations.map((c) => [calibrationKey(c.machine, c.engine), c])) })
    const recalibrated = (deployment: string, tokens: number): number | null => {
      const d = fleet.deployments.find((x) => x.name === deployment)
      const machine = d ? fleet.machines.find((m) => m.name === d.machine) : undefined
      const facts = d?.model ? prepared.resolved.facts.get(d.model) : undefined
      const family = d ? engineSizing(d)?.speedFamily : undefined
      const calibration = machine && family && d && d.engine !== 'command' && d.machines.length === 1 ? lookup(machine, d.engine) : null
      if (!d || !machine || !facts?.architecture || !family || !calibration) return null
      return 1 / decodeSecondsAt(speedInputsOf(d, machine, facts, facts.architecture, family, calibration), tokens)
    }
    writeFileSync(resolve(options.cwd ?? process.cwd(), options.report), renderBenchReport(measured, plan, recalibrated))
  }
  if (options.json) io.out(`${JSON.stringify(doc, null, 2)}\n`)
  else {
    for (const b of benches) io.out('results' in b ? renderBench(b, paint) : `${b.machine}: ${paint('red', 'not measured')}: ${b.error}\n`)
    for (const c of calibrations) {
      io.out(
        `${paint('green', 'Calibrated')} ${c.machine} ${c.engine} from ${c.points} points: bandwidth efficiency ${c.bandwidthEfficiency.toPrecision(3)} of ${(c.bandwidthBytesPerSecond / 1e9).toFixed(0)} GB/s, fixed ${(c.perTokenSeconds * 1000).toFixed(2)} ms per token (32 layers)${c.flopsEfficiency === null ? '' : `, prefill ${(c.flopsEfficiency * 100).toFixed(1)} % of peak FLOPS`} → ${calibrationPathFor(prepared.path)}\n`,
      )
    }
    if (options.calibrate && calibrations.length === 0) io.out('Nothing calibrated: fewer than two single-stream points of a sized model.\n')
  }
  return benches.every((b) => 'results' in b && b.results.every((r) => r.errors.length === 0 && r.points.length > 0)) ? 0 : 1
}

function renderBench(b: MachineBench, paint: ReturnType<typeof styler>): string {
  let text = ''
  for (const r of b.results) {
    text += `${paint('bold', r.deployment)} on ${b.machine} (${r.engine})\n`
    const rows = [['prompt', 'streams', 'TTFT measured', 'predicted', 'decode tok/s measured (min–max)', 'predicted']]
    for (const p of r.points) {
      rows.push([
        String(p.measuredPromptTokens ?? p.promptTokens),
        String(p.concurrency),
        `${p.ttftSeconds.mean.toFixed(3)} s`,
        p.predicted.ttftSeconds === null ? '—' : `${p.predicted.ttftSeconds.toFixed(3)} s`,
        `${p.decodeTokensPerSecond.mean.toFixed(1)} (${p.decodeTokensPerSecond.min.toFixed(1)}–${p.decodeTokensPerSecond.max.toFixed(1)})`,
        p.predicted.decodeTokensPerSecond === null ? '—' : `${p.predicted.decodeTokensPerSecond.toFixed(1)}${p.concurrency > 1 ? ' (1 stream)' : ''}`,
      ])
    }
    const table = formatTable(rows, ['right', 'right', 'right', 'right', 'right', 'right'])
    text += `${table.map((l, i) => `  ${i === 0 ? paint('dim', l) : l}`).join('\n')}\n`
    for (const e of r.errors) text += `  ${paint('red', 'error')} ${e}\n`
  }
  return text
}
