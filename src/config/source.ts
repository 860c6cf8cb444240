/**
 * Reading fleet.yaml: bytes → text → YAML document, with every failure turned into a positioned diagnostic.
 * Hostile input (huge files, alias bombs, bad UTF-8, deep nesting) ends here with a diagnostic, never a crash.
 */
import { readFileSync, statSync } from 'node:fs'
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node } from 'yaml'
import type { Diagnostic, PathSegment } from './diagnostics.ts'
import { formatPath } from './diagnostics.ts'

/** A fleet.yaml is a page or two; anything near this size is a mistake (or an attack), not a fleet. */
export const MAX_FILE_BYTES = 4 * 1024 * 1024
/** yaml's defence against "billion laughs": more alias expansions than this is refused. */
const MAX_ALIAS_COUNT = 200

export interface FleetSource {
  readonly file: string
  readonly text: string
  readonly doc: Document.Parsed
  readonly lineCounter: LineCounter
  /** The document as plain data. */
  readonly data: unknown
}

export interface Position {
  readonly line: number
  readonly column: number
}

type ReadResult = { source: FleetSource; diagnostics: Diagnostic[] } | { source: null; diagnostics: Diagnostic[] }

function fileDiagnostic(file: string, code: string, message: string, hint: string | null, pos: Position = { line: 0, column: 0 }): Diagnostic {
  return { file, line: pos.line, column: pos.column, path: '', severity: 'error', code, message, hint }
}

/** Reads and parses `path`; `file` is the name diagnostics show (as the user typed it). */
export function readFleetSource(path: string, file = path): ReadResult {
  let bytes: Buffer
  try {
    const stat = statSync(path)
    if (stat.isDirectory()) return { source: null, diagnostics: [fileDiagnostic(file, 'not-a-file', `${file} is a directory, not a fleet file`, 'Pass the YAML file itself, e.g. -f ./fleet.yaml')] }
    if (!stat.isFile()) return { source: null, diagnostics: [fileDiagnostic(file, 'not-a-file', `${file} is not a regular file`, 'Pass a YAML file with -f')] }
    if (stat.size > MAX_FILE_BYTES)
      return {
        source: null,
        diagnostics: [
          fileDiagnostic(file, 'file-too-large', `${file} is ${stat.size} bytes; a fleet file is at most ${MAX_FILE_BYTES} bytes`, 'Check that -f names your fleet.yaml and not a data file'),
        ],
      }
    bytes = readFileSync(path)
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'ENOENT') return { source: null, diagnostics: [fileDiagnostic(file, 'file-not-found', `${file} does not exist`, 'Create it (see examples/) or pass another file with -f FILE')] }
    if (code === 'EACCES') return { source: null, diagnostics: [fileDiagnostic(file, 'file-unreadable', `${file} cannot be read: permission denied`, "Check the file's permissions")] }
    return { source: null, diagnostics: [fileDiagnostic(file, 'file-unreadable', `${file} cannot be read: ${(error as Error).message}`, null)] }
  }
  return parseFleetText(bytes, file)
}

/** Parses fleet.yaml bytes (exported for the fuzz test and for `apply` reading saved inputs). */
export function parseFleetText(bytes: Uint8Array, file: string): ReadResult {
  const text = decodeUtf8(bytes, file)
  if (typeof text !== 'string') return { source: null, diagnostics: [text] }
  if (text.trim() === '' || text.split('\n').every((line) => /^\s*(#.*)?$/.test(line))) {
    return { source: null, diagnostics: [fileDiagnostic(file, 'empty-file', `${file} is empty`, 'Start from an example: cp examples/studio-70b-32b.yaml fleet.yaml', { line: 1, column: 1 })] }
  }
  const lineCounter = new LineCounter()
  let doc: Document.Parsed
  try {
    doc = parseDocument(text, { lineCounter, uniqueKeys: true, prettyErrors: false, strict: true })
  } catch (error) {
    // The parser is iterative, but be certain nothing escapes (e.g. RangeError from a pathological input).
    return { source: null, diagnostics: [fileDiagnostic(file, 'yaml-syntax', `${file} could not be parsed as YAML: ${(error as Error).message}`, null, { line: 1, column: 1 })] }
  }
  const diagnostics: Diagnostic[] = []
  for (const error of doc.errors) {
    const pos = lineCounter.linePos(error.pos[0])
    const duplicate = error.code === 'DUPLICATE_KEY'
    diagnostics.push({
      file,
      line: pos.line,
      column: pos.col,
      path: '',
      severity: 'error',
      code: duplicate ? 'duplicate-key' : 'yaml-syntax',
      message: duplicate ? `key ${JSON.stringify(keyAt(text, error.pos[0]))} appears twice in the same mapping` : firstLine(error.message),
      hint: duplicate
        ? 'Remove or rename one of the two entries: YAML would silently keep only the last one'
        : 'Fix the YAML syntax at this position (indentation, a missing colon, or an unclosed quote or bracket)',
    })
  }
  for (const warning of doc.warnings) {
    const pos = lineCounter.linePos(warning.pos[0])
    diagnostics.push({ file, line: pos.line, column: pos.col, path: '', severity: 'warning', code: 'yaml-warning', message: firstLine(warning.message), hint: null })
  }
  // A duplicate key leaves a well-formed document, so the other layers still run and report everything at once.
  if (diagnostics.some((d) => d.severity === 'error' && d.code !== 'duplicate-key')) return { source: null, diagnostics }
  let data: unknown
  try {
    data = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT })
  } catch (error) {
    return {
      source: null,
      diagnostics: [
        ...diagnostics,
        fileDiagnostic(file, 'yaml-aliases', `${file} expands too many YAML aliases (${firstLine((error as Error).message)})`, 'Write the values out instead of nesting aliases', {
          line: 1,
          column: 1,
        }),
      ],
    }
  }
  return { source: { file, text, doc, lineCounter, data }, diagnostics }
}

function decodeUtf8(bytes: Uint8Array, file: string): string | Diagnostic {
  try {
    const text = new TextDecoder('utf-8', { fatal: true }).decode(bytes)
    return text.startsWith('\uFEFF') ? text.slice(1) : text
  } catch {
    const offset = firstInvalidUtf8Offset(bytes)
    const before = new TextDecoder('utf-8').decode(bytes.subarray(0, offset))
    const lines = before.split('\n')
    return fileDiagnostic(file, 'invalid-utf8', `byte 0x${(bytes[offset] ?? 0).toString(16).padStart(2, '0')} at offset ${offset} is not valid UTF-8`, 'Save the file as UTF-8', {
      line: lines.length,
      column: (lines.at(-1)?.length ?? 0) + 1,
    })
  }
}

/** Offset of the first byte that starts an invalid UTF-8 sequence (a small validator; TextDecoder does not say where). */
function firstInvalidUtf8Offset(bytes: Uint8Array): number {
  let i = 0
  while (i < bytes.length) {
    const b = bytes[i]!
    const length = b < 0x80 ? 1 : b >= 0xc2 && b <= 0xdf ? 2 : b >= 0xe0 && b <= 0xef ? 3 : b >= 0xf0 && b <= 0xf4 ? 4 : 0
    if (length === 0 || i + length > bytes.length) return i
    for (let k = 1; k < length; k++) if ((bytes[i + k]! & 0xc0) !== 0x80) return i
    i += length
  }
  return bytes.length
}

function keyAt(text: string, offset: number): string {
  return /^["']?([^"':\n]*)/.exec(text.slice(offset, offset + 200))?.[1]?.trim() ?? ''
}

function firstLine(message: string): string {
  return message
    .split('\n')[0]!
    .replace(/ at line \d+, column \d+:?$/, '')
    .trim()
}

/**
 * Finds where `path` is in the document: the value's position, or with `key: true` the key's position
 * (for "unknown property" and "missing property" diagnostics). Falls back to the deepest existing ancestor.
 */
export function locate(source: Pick<FleetSource, 'doc' | 'lineCounter'>, path: readonly PathSegment[], options: { key?: boolean } = {}): Position {
  let node: unknown = source.doc.contents
  let best: { range?: [number, number, number] | null } | null = isNodeLike(node) ? node : null
  for (let i = 0; i < path.length; i++) {
    const segment = path[i]!
    const last = i === path.length - 1
    if (isMap(node)) {
      const pair = node.items.find((item) => isScalar(item.key) && String(item.key.value) === String(segment))
      if (!pair) break
      if (last && options.key && isNodeLike(pair.key)) return position(source, pair.key)
      node = pair.value
      if (isNodeLike(pair.value) && pair.value.range) best = pair.value
      else if (isNodeLike(pair.key)) best = pair.key
    } else if (isSeq(node) && typeof segment === 'number') {
      const item = node.items[segment]
      if (!isNodeLike(item)) break
      node = item
      best = item
    } else {
      break
    }
  }
  return best ? position(source, best) : { line: 1, column: 1 }
}

function isNodeLike(value: unknown): value is Node {
  return typeof value === 'object' && value !== null && 'range' in value
}

function position(source: Pick<FleetSource, 'lineCounter'>, node: { range?: [number, number, number] | null }): Position {
  const offset = node.range?.[0] ?? 0
  const pos = source.lineCounter.linePos(offset)
  return { line: pos.line, column: pos.col }
}

/** Builds a diagnostic located at `path`. */
export function diagnosticAt(
  source: Pick<FleetSource, 'doc' | 'lineCounter' | 'file'>,
  path: readonly PathSegment[],
  fields: { severity?: Diagnostic['severity']; code: string; message: string; hint?: string | null; key?: boolean },
): Diagnostic {
  const pos = locate(source, path, { key: fields.key ?? false })
  return {
    file: source.file,
    line: pos.line,
    column: pos.column,
    path: formatPath(path),
    severity: fields.severity ?? 'error',
    code: fields.code,
    message: fields.message,
    hint: fields.hint ?? null,
  }
}
