/**
 * Progress on a terminal: listr2, one task per model and one row per file showing bytes, rate and ETA. listr2 is only
 * an adapter here; the download core reports through events and knows nothing of it (conventions §9).
 */
import { Listr, type ListrDefaultRenderer, type ListrDefaultRendererLogLevels, ListrLogger, type ListrLogLevels, type ListrSimpleRenderer, type ListrTaskWrapper, type ProcessOutput } from 'listr2'
import { formatBytes } from './disk.ts'
import type { PullEvent } from './events.ts'
import { ProgressTracker } from './progress.ts'

type Wrapper = ListrTaskWrapper<unknown, ListrDefaultRenderer, ListrSimpleRenderer>

export interface ListrModel {
  readonly name: string
  readonly title: string
  readonly paths: readonly string[]
  /** Starts the model's pull; resolves when everything (files, links, ref) is done. */
  readonly run: (onEvent: (event: PullEvent) => void) => Promise<unknown>
}

export interface ListrRenderOptions {
  readonly renderer?: 'default' | 'simple'
  /** Where listr2 writes (tests capture it); default process.stdout / stderr. */
  readonly processOutput?: ProcessOutput
}

interface Row {
  wrapper: Wrapper | undefined
  /** Settles when the file is done, skipped or failed; the row's task awaits it. */
  readonly settled: Promise<void>
  resolve(): void
  reject(error: Error): void
}

function row(): Row {
  let resolve: () => void = () => {}
  let reject: (error: Error) => void = () => {}
  const settled = new Promise<void>((res, rej) => {
    resolve = res
    reject = rej
  })
  // The row task may attach later than a failure arrives; never let that count as unhandled.
  settled.catch(() => {})
  return { wrapper: undefined, settled, resolve, reject }
}

/** Runs the models one after another under listr2; per model the files run concurrently, as the core does them. */
export async function runWithListr(models: readonly ListrModel[], options: ListrRenderOptions = {}): Promise<void> {
  const tracker = new ProgressTracker()
  const output = options.processOutput
  const list = new Listr<unknown, 'default' | 'simple', 'simple'>(
    models.map((model) => ({
      title: model.title,
      task: (_ctx: unknown, task: Wrapper) => {
        const rows = new Map(model.paths.map((p) => [p, row()]))
        const onEvent = (event: PullEvent): void => {
          const r = rows.get(event.path)
          if (r === undefined) return
          const w = r.wrapper
          if (event.type === 'start' || event.type === 'progress') {
            if (w) w.title = `${event.path}  ${tracker.describe(event)}`
          } else if (event.type === 'done') {
            if (w) w.title = `${event.path}  ${formatBytes(event.bytes)} in ${event.seconds.toFixed(1)} s, verified`
            r.resolve()
          } else if (event.type === 'skipped') {
            if (w) w.title = `${event.path}  ${event.reason}`
            r.resolve()
          } else if (event.type === 'retry') {
            if (w) w.output = `retry: ${event.reason}`
          } else if (event.type === 'waiting') {
            if (w) w.output = `waiting for another fleet process (${event.holder})`
          } else r.reject(new Error(event.message))
        }
        const done = model.run(onEvent).then(
          () => {
            for (const r of rows.values()) r.resolve()
          },
          (error: unknown) => {
            const failure = error instanceof Error ? error : new Error(String(error))
            for (const r of rows.values()) r.reject(failure)
            throw failure
          },
        )
        done.catch(() => {})
        return task.newListr(
          [
            ...model.paths.map((path) => ({
              title: path,
              task: async (_c: unknown, sub: Wrapper) => {
                const r = rows.get(path) as Row
                r.wrapper = sub
                await r.settled
              },
            })),
            // The snapshot's ref is written after the last file: the model is done only then.
            { title: 'snapshot', task: async () => done },
          ],
          { concurrent: true, exitOnError: false },
        )
      },
    })),
    {
      concurrent: false,
      exitOnError: false,
      // Ctrl-C keeps Node's default (exit at once; the partials and sidecars make the next pull resume).
      registerSignalListeners: false,
      renderer: options.renderer ?? 'default',
      fallbackRenderer: 'simple',
      rendererOptions: {
        collapseSubtasks: false,
        collapseErrors: false,
        ...(output ? { logger: new ListrLogger<ListrDefaultRendererLogLevels>({ useIcons: true, toStderr: [], processOutput: output }) } : {}),
      },
      fallbackRendererOptions: output ? { logger: new ListrLogger<ListrLogLevels>({ useIcons: true, toStderr: [], processOutput: output }) } : {},
    },
  )
  await list.run()
}
