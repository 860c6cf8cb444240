/**
 * A real llama.cpp as the sizing oracle: node-llama-cpp's prebuilt CPU build (npm, loaded with `build: 'never'`, so
 * nothing is compiled) loads a GGUF whose tensor data is a sparse hole and reports, in its own log lines, the
 * buffers it allocated: model, KV, recurrent state, output and compute. Nothing here estimates: every figure is
 * parsed from what llama.cpp printed.
 *
 * The GGUF is written as a header plus ftruncate to the full data size, so an 8 B model costs a few MB of disk;
 * the weights are memory-mapped and never touched (the CPU backend reads them only when it computes).
 */
import { closeSync, existsSync, ftruncateSync, openSync, readFileSync, writeSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { getLlama, LlamaLogLevel, type Llama } from 'node-llama-cpp'
import { ggufHeaderAndSize, type BuildGgufOptions } from '../support/model-files.ts'

const MiB = 2 ** 20

export interface OracleBuffers {
  /** Sum of every "model buffer size" line (CPU_Mapped, CPU_REPACK …). */
  readonly modelBytes: number
  /** Sum of every "KV buffer size" line (one per cache: the iSWA cache prints two). */
  readonly kvBytes: number
  /** "RS buffer size": recurrent state (Mamba, gated delta net). */
  readonly recurrentBytes: number
  readonly outputBytes: number
  /** "compute buffer size" of the CPU backend. */
  readonly computeBytes: number
  /** The context parameters llama.cpp settled on (llama_context: lines). */
  readonly context: Readonly<Record<string, string>>
  /** Every log line, for a failing test's message. */
  readonly log: readonly string[]
}

export interface OracleContext {
  /** Tokens per sequence (node-llama-cpp's contextSize; llama.cpp's n_ctx is this × sequences). */
  readonly contextSize: number
  readonly sequences: number
  readonly batchSize: number
  readonly flashAttention: boolean
}

let shared: Promise<Llama> | undefined
let sink: string[] = []

/** One llama.cpp per test process; its logger appends to whichever run is current (tests run one at a time per file). */
function llama(): Promise<Llama> {
  shared ??= getLlama({
    gpu: false,
    build: 'never',
    logLevel: LlamaLogLevel.debug,
    logger: (_level, message) => {
      sink.push(message)
    },
  })
  return shared
}

export async function disposeOracle(): Promise<void> {
  if (shared) await (await shared).dispose()
  shared = undefined
}

/** The llama.cpp release node-llama-cpp bundles, as its package records it (llama/llama.cpp.info.json). */
export function bundledLlamaCppRelease(): { tag: string; nodeLlamaCpp: string } {
  // The package's exports hide package.json: walk up from its entry point instead.
  let root = dirname(createRequire(import.meta.url).resolve('node-llama-cpp'))
  while (!existsSync(join(root, 'package.json'))) root = dirname(root)
  const info = JSON.parse(readFileSync(join(root, 'llama', 'llama.cpp.info.json'), 'utf8')) as { tag: string }
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string }
  return { tag: info.tag, nodeLlamaCpp: pkg.version }
}

/** Writes the header and a sparse data section of the full size the tensor table implies. */
export function writeSparseGguf(path: string, options: Omit<BuildGgufOptions, 'tensorData'>): void {
  const { header, fileBytes } = ggufHeaderAndSize(options)
  const fd = openSync(path, 'w')
  try {
    writeSync(fd, header)
    ftruncateSync(fd, fileBytes)
  } finally {
    closeSync(fd)
  }
}

const BUFFER_LINE = /(\S+)\s+(model|KV|RS|output|compute) buffer size =\s+([\d.]+) MiB/

export async function measure(path: string, ctx: OracleContext): Promise<OracleBuffers> {
  const engine = await llama()
  sink = []
  const model = await engine.loadModel({ modelPath: path, gpuLayers: 0, useMmap: true })
  let context: Awaited<ReturnType<typeof model.createContext>> | undefined
  try {
    context = await model.createContext({ contextSize: ctx.contextSize, sequences: ctx.sequences, batchSize: ctx.batchSize, flashAttention: ctx.flashAttention })
  } finally {
    await context?.dispose()
    await model.dispose()
  }
  const lines = sink.join('\n').split('\n')
  const sums = { model: 0, KV: 0, RS: 0, output: 0, compute: 0 }
  const params: Record<string, string> = {}
  for (const line of lines) {
    const m = BUFFER_LINE.exec(line)
    if (m) sums[m[2] as keyof typeof sums] += Number(m[3]) * MiB
    const p = /^llama_context: (\w+)\s+= (.+)$/.exec(line.trim())
    if (p) params[p[1]!] = p[2]!.trim()
  }
  return { modelBytes: sums.model, kvBytes: sums.KV, recurrentBytes: sums.RS, outputBytes: sums.output, computeBytes: sums.compute, context: params, log: lines }
}
