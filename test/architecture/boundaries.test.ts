/**
 * The import boundary of the pure core, checked transitively: nothing that `sizing/`, `plan/`, `model/`, `formats/`,
 * `catalog/` or an engine's pure parts import — directly or through any chain of imports — reaches the filesystem,
 * child processes, sockets, HTTP or execa, or the adapters that do (hub, pull, services, supervisor, observe, apply,
 * engines/runtime). Type-only imports are erased at run time and do not count. The linter checks direct imports as
 * they are written; this test checks the whole graph.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import { describe, expect, it } from 'vitest'
import { ROOT } from '../support/cli.ts'

const SRC = join(ROOT, 'src')
const CORE = ['sizing', 'plan', 'model', 'formats', 'catalog', 'engines']
const FORBIDDEN_MODULES = /^(node:)?(fs|fs\/promises|child_process|net|http|https|http2|dgram|tls)$|^execa$|^undici$/
/** Adapters; the two pure files among them (data types, the cache layout) are allowed. */
const ADAPTER_DIRS = ['hub', 'pull', 'services', 'supervisor', 'observe', 'apply', 'commands', 'ui', 'native', 'process', 'engines/runtime', 'resolve']
const ALLOWED_FILES = new Set(['services/types.ts'])

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name)
    if (statSync(path).isDirectory()) return filesUnder(path)
    return path.endsWith('.ts') && !path.endsWith('.test.ts') ? [path] : []
  })
}

/** Specifiers of the value imports and re-exports of a file (not `import type`, not `export type`). */
function valueImports(text: string): string[] {
  const specifiers: string[] = []
  const statement = /^(import|export)\s+(type\s+)?([^'";]*?)\s*from\s*['"]([^'"]+)['"]|^import\s+['"]([^'"]+)['"]/gms
  for (const m of text.matchAll(statement)) {
    if (m[5] !== undefined) specifiers.push(m[5])
    else if (m[2] === undefined) specifiers.push(m[4]!)
  }
  for (const m of text.matchAll(/import\(\s*['"]([^'"]+)['"]\s*\)/g)) specifiers.push(m[1]!)
  return specifiers
}

function isAdapter(file: string): boolean {
  const rel = relative(SRC, file)
  return !ALLOWED_FILES.has(rel) && ADAPTER_DIRS.some((dir) => rel.startsWith(`${dir}/`))
}

/** The first chain of imports from `start` that reaches something forbidden, or null. */
function forbiddenChain(start: string): string[] | null {
  const seen = new Set<string>()
  const walk = (file: string, chain: string[]): string[] | null => {
    if (seen.has(file)) return null
    seen.add(file)
    for (const specifier of valueImports(readFileSync(file, 'utf8'))) {
      if (FORBIDDEN_MODULES.test(specifier)) return [...chain, specifier]
      if (!specifier.startsWith('.')) continue
      const target = resolve(dirname(file), specifier)
      const here = [...chain, relative(SRC, target)]
      if (isAdapter(target)) return here
      const found = walk(target, here)
      if (found) return found
    }
    return null
  }
  return walk(start, [relative(SRC, start)])
}

describe('the pure core', () => {
  const core = CORE.flatMap((dir) => filesUnder(join(SRC, dir))).filter((f) => !isAdapter(f))

  it('covers the folders it should', () => {
    expect(core.length).toBeGreaterThan(40)
    expect(core.some((f) => f.includes('/engines/llama-cpp/'))).toBe(true)
    expect(core.some((f) => f.includes('/engines/runtime/'))).toBe(false)
  })

  it.each(core.map((f) => relative(SRC, f)))('%s reaches no filesystem, process, socket or HTTP module', (file) => {
    expect(forbiddenChain(join(SRC, file))).toBeNull()
  })

  it('the check sees through a chain of imports', () => {
    // observe/local.ts is an adapter (it chooses backends and reads the disk): reaching it from the core would fail.
    expect(isAdapter(join(SRC, 'observe', 'local.ts'))).toBe(true)
    expect(valueImports("import type { A } from './a.ts'\nimport { b } from './b.ts'\nexport { c } from './c.ts'\nexport type { D } from './d.ts'\nimport './e.ts'")).toEqual([
      './b.ts',
      './c.ts',
      './e.ts',
    ])
  })
})

describe('one process adapter', () => {
  it('src/process/run.ts is the only module that imports execa', () => {
    const importers = filesUnder(SRC).filter((f) => valueImports(readFileSync(f, 'utf8')).includes('execa'))
    expect(importers.map((f) => relative(SRC, f))).toEqual(['process/run.ts'])
  })
})
