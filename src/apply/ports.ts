/** The real adapters behind apply's ports: the pull engine, HTTP readiness checks, log files, directories. */
import { closeSync, mkdirSync, openSync, readSync, renameSync, statSync, writeFileSync } from 'node:fs'
import { dirname } from 'node:path'
import { UserError } from '../errors.ts'
import { sendWarmup, waitUntilReady } from '../engines/runtime/readiness.ts'
import type { HubClient } from '../hub/client.ts'
import { pullModel } from '../pull/download.ts'
import type { ServiceSpec } from '../services/types.ts'
import type { ApplyPorts } from './apply.ts'
import type { LocalRuntime } from '../observe/local.ts'
import { runProgram } from '../process/run.ts'
import { runPreflight } from './preflight.ts'

const WARMUP_TIMEOUT_MS = 120_000
/** Read at most this much of a log's end for an error message. */
const TAIL_BYTES = 64 * 1024

export function applyPorts(runtime: LocalRuntime, hub: HubClient | null): ApplyPorts {
  const backend = runtime.backend
  return {
    backend,
    async pull(model, onProgress, signal) {
      const result = await pullModel(
        { repo: model.repo, commit: model.commit, revision: model.revision, files: model.files, model: model.name },
        {
          hub,
          offlineReason: 'fleet is offline (HF_HUB_OFFLINE or --offline)',
          cacheDir: runtime.context.hubCache,
          ...(signal ? { signal } : {}),
          onEvent: (event) => {
            if (event.type === 'done' || event.type === 'retry' || event.type === 'failed') onProgress(`${event.path}: ${event.type}`)
          },
        },
      )
      if (!result.ok) {
        const failed = result.files.find((f) => f.status === 'failed')
        throw failed?.error ?? new UserError(`pulling ${model.repo} failed`, { hint: 'Run fleet pull to see each file' })
      }
    },
    async waitUntilReady(service, options) {
      const result = await waitUntilReady(service.readiness, {
        timeoutMs: options.timeoutMs,
        ...(options.signal ? { signal: options.signal } : {}),
        // A server that crashed fails the wait at once instead of after the whole timeout.
        stillRunning: async () => {
          const state = await backend.state(service.spec.label)
          return state.running || (state.loaded && state.lastExitCode === null)
        },
      })
      return result.ok ? { ok: true } : { ok: false, reason: result.reason }
    },
    async warmup(service, signal) {
      if (!service.warmup) return
      const result = await sendWarmup(service.warmup, { timeoutMs: WARMUP_TIMEOUT_MS, ...(signal ? { signal } : {}) })
      if (!result.ok) throw new Error(result.reason)
    },
    logOffsets(spec) {
      return Object.fromEntries([spec.stderrPath, spec.stdoutPath].map((path) => [path, sizeOf(path)]))
    },
    logTail(spec, lines, offsets) {
      return [...new Set([spec.stderrPath, spec.stdoutPath])]
        .map((path) => tail(path, lines, offsets[path] ?? 0))
        .filter((text) => text !== '')
        .join('\n')
    },
    preflight(checks, signal) {
      return runPreflight(checks, { run: runProgram, env: process.env, here: runtime.machine.name }, signal)
    },
    writeFiles(files) {
      for (const file of files) {
        try {
          mkdirSync(dirname(file.path), { recursive: true })
          const temp = `${file.path}.${process.pid}.tmp`
          writeFileSync(temp, file.content)
          renameSync(temp, file.path)
        } catch (error) {
          throw new UserError(`cannot write ${file.path}: ${(error as Error).message}`, { hint: "Check that fleet's state directory is writable and the disk is not full" })
        }
      }
    },
    prepareDirectories(spec: ServiceSpec) {
      mkdirSync(spec.workingDirectory, { recursive: true })
      mkdirSync(dirname(spec.stdoutPath), { recursive: true })
      mkdirSync(dirname(spec.stderrPath), { recursive: true })
    },
  }
}

function sizeOf(path: string): number {
  try {
    return statSync(path).size
  } catch {
    return 0
  }
}

/** The last `lines` lines of a file after byte `from` (reading only its end), or '' when there are none. */
export function tail(path: string, lines: number, from = 0): string {
  if (lines <= 0) return ''
  const size = sizeOf(path)
  if (size <= from) return ''
  const length = Math.min(size - from, TAIL_BYTES)
  const buffer = Buffer.alloc(length)
  const fd = openSync(path, 'r')
  try {
    readSync(fd, buffer, 0, length, size - length)
  } finally {
    closeSync(fd)
  }
  return buffer
    .toString('utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .slice(-lines)
    .join('\n')
}
