// `npm run bench`: runs every benchmark and writes bench/results/latest.json (and prints a summary).
//  - plan (bench/plan.mjs): `fleet plan` on generated fleets against the CLI's start-up;
//  - download (bench/download.bench-run.ts): `fleet pull` of a multi-GB model from the local test Hub against curl and
//    aria2c -x8. It needs the TypeScript test Hub, so it runs under vitest (bench/vitest.config.ts), in a child process,
//    and hands its figures over in bench/results/download.json. FLEET_BENCH_DOWNLOAD=0 skips it.
import { spawn } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { cpus, totalmem } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { benchPlan } from './plan.mjs'

const ROOT = fileURLToPath(new URL('../', import.meta.url))
const DOWNLOAD_JSON = join(ROOT, 'bench/results/download.json')
/** The whole download benchmark (data set-up, every run, every check) must end within this. */
const DOWNLOAD_TIMEOUT_MS = 9 * 60_000

const results = {
  createdAt: new Date().toISOString(),
  machine: { cpus: cpus().length, cpu: cpus()[0]?.model ?? 'unknown', memoryBytes: totalmem(), node: process.version, platform: `${process.platform}-${process.arch}` },
  plan: benchPlan(),
}
const p = results.plan
console.log(`fleet --version: ${p.startup.medianMs.toFixed(0)} ms (median of ${p.startup.runs})`)
for (const s of p.sizes) console.log(`fleet plan, ${s.machines} machines × 10 deployments: ${s.medianMs.toFixed(0)} ms = ${s.ratioToStartup.toFixed(2)}× start-up`)
console.log(`marginal cost: ${p.marginalMsPerDeployment.toFixed(2)} ms per deployment`)

let failed = false
if (process.env.FLEET_BENCH_DOWNLOAD !== '0') {
  results.download = await benchDownload()
  if (results.download.error !== undefined) failed = true
  else printDownload(results.download)
}

mkdirSync(new URL('./results/', import.meta.url), { recursive: true })
writeFileSync(new URL('./results/latest.json', import.meta.url), `${JSON.stringify(results, null, 2)}\n`)
console.log('written to bench/results/latest.json')
if (failed) {
  console.error(`download benchmark failed: ${results.download.error}`)
  process.exitCode = 1
}

/** Runs the vitest benchmark (its progress lines go straight to the terminal) and returns what it wrote. */
async function benchDownload() {
  rmSync(DOWNLOAD_JSON, { force: true })
  const vitest = join(ROOT, 'node_modules/vitest/vitest.mjs')
  if (!existsSync(vitest)) return { error: 'vitest is not installed (npm ci)' }
  console.log('\ndownload benchmark (vitest run --config bench/vitest.config.ts):')
  const child = spawn(process.execPath, [vitest, 'run', '--config', 'bench/vitest.config.ts'], { cwd: ROOT, stdio: 'inherit' })
  const timer = setTimeout(() => child.kill('SIGKILL'), DOWNLOAD_TIMEOUT_MS)
  const code = await new Promise((resolve) => child.on('close', (c, signal) => resolve(c ?? signal)))
  clearTimeout(timer)
  if (!existsSync(DOWNLOAD_JSON)) return { error: `vitest exited ${code} without writing bench/results/download.json` }
  const download = JSON.parse(readFileSync(DOWNLOAD_JSON, 'utf8'))
  return code === 0 ? download : { ...download, error: `vitest exited ${code} (a tool run failed; see its output above)` }
}

function printDownload(d) {
  const gib = (d.bytes / 2 ** 30).toFixed(2)
  console.log(`\ndownload: ${d.files.length} files, ${gib} GiB (${(d.bytes / 1e6).toFixed(0)} MB) from the local test Hub; best of ${d.runs} runs; MB/s = 10^6 bytes/s`)
  for (const [name, reason] of Object.entries(d.skipped ?? {})) console.log(`  ${name}: skipped (${reason})`)
  for (const t of Object.values(d.targets)) {
    console.log(`  to ${t.target} (${t.dir}, ${t.fs}):`)
    for (const r of Object.values(t.tools)) {
      if (!r.installed) {
        console.log(`    ${r.tool.padEnd(6)}  not installed`)
        continue
      }
      if (r.best === undefined) {
        console.log(`    ${r.tool.padEnd(6)}  failed: ${r.error ?? 'no runs'}`)
        continue
      }
      const fastest = r.runs.reduce((a, b) => (b.seconds < a.seconds ? b : a))
      const cpu = fastest.cpu.systemCpuSeconds === null ? '' : `  CPU ${fastest.cpu.systemCpuSeconds.toFixed(1)} s`
      const phases = fastest.phases === undefined ? '' : `  (all bytes in at ${fastest.phases.bytesInSeconds.toFixed(2)} s, longest verify tail ${fastest.phases.verifySeconds.toFixed(2)} s)`
      console.log(
        `    ${r.tool.padEnd(6)}  ${r.best.seconds.toFixed(2).padStart(6)} s ${r.best.MBps.toFixed(0).padStart(5)} MB/s to exit` +
          `   ${r.bestDurable.seconds.toFixed(2).padStart(6)} s ${r.bestDurable.MBps.toFixed(0).padStart(5)} MB/s durable (+sync)` +
          `   median ${r.median.seconds.toFixed(2)} s${cpu}${phases}`,
      )
    }
    const x = (v) => (v === null ? 'n/a' : `${v.toFixed(2)}×`)
    const q = t.ratios
    console.log(`    fleet/curl ${x(q.fleetOverCurl)}, fleet/aria2c ${x(q.fleetOverAria2c)} to exit; fleet/curl ${x(q.fleetOverCurlDurable)}, fleet/aria2c ${x(q.fleetOverAria2cDurable)} durable`)
    if (q.bestOther !== null)
      console.log(`    best other tool: ${q.bestOther.tool} to exit (fleet ${x(q.bestOther.fleetOver)}), ${q.bestOtherDurable.tool} durable (fleet ${x(q.bestOtherDurable.fleetOver)})`)
  }
  console.log('  details in bench/results/download.json')
}
