/** `fleet validate`: load and validate fleet.yaml, print every diagnostic, exit 1 on any error. */
import { resolve } from 'node:path'
import { hasErrors } from '../config/diagnostics.ts'
import { loadFleet } from '../config/load.ts'
import { renderDiagnostic, summarize } from '../ui/diagnostics.ts'
import { styler, type Io } from '../ui/io.ts'

export interface ValidateOptions {
  readonly file: string
  readonly json: boolean
  readonly cwd?: string
}

export const VALIDATE_JSON_VERSION = 1

export function validate(options: ValidateOptions, io: Io): number {
  const path = resolve(options.cwd ?? process.cwd(), options.file)
  const result = loadFleet(path, options.file)
  const failed = hasErrors(result.diagnostics)
  if (options.json) {
    io.out(`${JSON.stringify({ version: VALIDATE_JSON_VERSION, file: options.file, valid: !failed, diagnostics: result.diagnostics }, null, 2)}\n`)
    return failed ? 1 : 0
  }
  const paint = styler(io.color)
  for (const d of result.diagnostics) io.err(`${renderDiagnostic(d, { text: result.source?.text, snippets: io.isTTY, paint })}\n`)
  if (failed) {
    io.err(`${options.file}: ${summarize(result.diagnostics)}\n`)
    return 1
  }
  const fleet = result.fleet!
  const count = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`
  io.out(
    `${paint('green', '✓')} ${options.file} is valid: ${count(fleet.machines.length, 'machine')}, ${count(fleet.models.length, 'model')}, ${count(fleet.deployments.length, 'deployment')}${result.diagnostics.length > 0 ? ` (${summarize(result.diagnostics)})` : ''}\n`,
  )
  return 0
}
