/**
 * A diagnostic points at the place in fleet.yaml that caused it. Its JSON shape is stable (README documents it):
 * { file, line, column, path, severity, code, message, hint }.
 */
import type { Severity } from '../rules/catalog.ts'

export interface Diagnostic {
  readonly file: string
  /** 1-based; 0 when the problem has no place in the file (e.g. the file is missing). */
  readonly line: number
  readonly column: number
  /** Dotted path of the offending value, e.g. deployments.chat.port; '' for the whole file. */
  readonly path: string
  readonly severity: Severity
  /** Stable identifier: a rule id for plan rules, a validation code otherwise. */
  readonly code: string
  readonly message: string
  readonly hint: string | null
}

export type PathSegment = string | number

/** `['deployments', 'chat', 'port']` → `deployments.chat.port`; indexes as `[2]`. */
export function formatPath(path: readonly PathSegment[]): string {
  let out = ''
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`
    else out += out === '' ? segment : `.${segment}`
  }
  return out
}

export function hasErrors(diagnostics: readonly Diagnostic[]): boolean {
  return diagnostics.some((d) => d.severity === 'error')
}

const SEVERITY_ORDER: Record<Severity, number> = { error: 0, warning: 1, info: 2 }

/** Stable order: by file position, then severity, then code. */
export function sortDiagnostics(diagnostics: readonly Diagnostic[]): Diagnostic[] {
  return [...diagnostics].sort((a, b) => a.line - b.line || a.column - b.column || SEVERITY_ORDER[a.severity] - SEVERITY_ORDER[b.severity] || a.code.localeCompare(b.code))
}
