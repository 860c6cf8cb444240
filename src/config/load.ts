/**
 * load → validate: the first two stages of the pipeline. Reads fleet.yaml and runs the three validation layers
 * (YAML syntax → JSON Schema → meaning). Returns every diagnostic found; `fleet` is null when any is an error.
 */
import { hasErrors, sortDiagnostics, type Diagnostic } from './diagnostics.ts'
import { normalize } from './normalize.ts'
import { validateSchema } from './schema.ts'
import { parseFleetText, readFleetSource, type FleetSource } from './source.ts'
import type { Fleet } from './types.ts'

export interface LoadResult {
  readonly fleet: Fleet | null
  readonly source: FleetSource | null
  readonly diagnostics: readonly Diagnostic[]
}

export function loadFleet(path: string, displayName = path): LoadResult {
  return validateRead(readFleetSource(path, displayName))
}

export function loadFleetText(bytes: Uint8Array | string, file = 'fleet.yaml'): LoadResult {
  return validateRead(parseFleetText(typeof bytes === 'string' ? new TextEncoder().encode(bytes) : bytes, file))
}

function validateRead(read: ReturnType<typeof readFleetSource>): LoadResult {
  if (!read.source) return { fleet: null, source: null, diagnostics: sortDiagnostics(read.diagnostics) }
  const source = read.source
  if (typeof source.data !== 'object' || source.data === null || Array.isArray(source.data)) {
    return {
      fleet: null,
      source,
      diagnostics: [
        ...read.diagnostics,
        {
          file: source.file,
          line: 1,
          column: 1,
          path: '',
          severity: 'error',
          code: 'not-a-mapping',
          message: `the file must be a YAML mapping with version, machines, models and deployments; found ${Array.isArray(source.data) ? 'a list' : typeof source.data === 'object' ? 'nothing' : `a ${typeof source.data}`}`,
          hint: 'Start from an example in examples/',
        },
      ],
    }
  }
  const schemaDiagnostics = validateSchema(source)
  const { fleet, diagnostics: meaning } = normalize(source)
  // The schema and meaning layers may both notice one mistake (e.g. a bad size); keep one diagnostic per place.
  const diagnostics = dedupe([...read.diagnostics, ...schemaDiagnostics, ...meaning])
  return { fleet: hasErrors(diagnostics) ? null : fleet, source, diagnostics: sortDiagnostics(diagnostics) }
}

function dedupe(diagnostics: Diagnostic[]): Diagnostic[] {
  const seen = new Set<string>()
  return diagnostics.filter((d) => {
    const key = `${d.severity}|${d.line}|${d.column}|${d.path}`
    if (seen.has(key)) return false
    seen.add(key)
    return true
  })
}
