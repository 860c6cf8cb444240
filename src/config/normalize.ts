/**
 * Layer 3 of validation: meaning. Resolves references, applies defaults, converts units, and checks what a schema
 * cannot (unknown machines and models, port clashes, engine/format mismatches, chip ids). Written against `unknown`
 * with guards so that it runs even when the schema layer found errors: all errors are collected in one pass.
 */
import { CHIPS, findChip, type Chip, type ChipVariant } from '../catalog/chips.ts'
import { GGUF_QUANT_PATTERN, MLX_QUANT_PATTERN, isEngineId, type EngineId, type KvCacheType, type ModelFormat } from '../catalog/engines.ts'
import { ENGINE_MODULES, ENGINES, SERVED_ENGINE_IDS, type OptionIssue, type OptionReader } from '../engines/index.ts'
import { RULES, RULE_IDS, type RuleId, type RuleSeverity } from '../rules/catalog.ts'
import { didYouMean } from '../util/did-you-mean.ts'
import { BUILTIN_DEFAULTS } from './defaults.ts'
import type { Diagnostic, PathSegment } from './diagnostics.ts'
import { diagnosticAt, type FleetSource } from './source.ts'
import type { Deployment, EngineOptions, EngineSource, Fleet, HfSource, Link, Machine, Model, RuleSetting } from './types.ts'
import { LINK_KINDS, LINKS, type LinkKind } from '../catalog/links.ts'
import { parseBandwidth, parseContext, parseMemorySize, parseSize } from './units.ts'
import type { FitOn, Parallelism, ServedEngineId, ServiceManager } from './written.ts'

type Obj = Record<string, unknown>
const isObj = (value: unknown): value is Obj => typeof value === 'object' && value !== null && !Array.isArray(value)
const str = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined)
const int = (value: unknown): number | undefined => (typeof value === 'number' && Number.isInteger(value) ? value : undefined)
const entries = (value: unknown): [string, Obj][] => (isObj(value) ? Object.entries(value).filter((e): e is [string, Obj] => isObj(e[1])) : [])

export interface NormalizeResult {
  readonly fleet: Fleet
  readonly diagnostics: Diagnostic[]
}

export function normalize(source: FleetSource): NormalizeResult {
  const diagnostics: Diagnostic[] = []
  const report = (path: readonly PathSegment[], fields: Parameters<typeof diagnosticAt>[2]): void => {
    diagnostics.push(diagnosticAt(source, path, fields))
  }
  const root = isObj(source.data) ? source.data : {}
  const defaults = normalizeDefaults(root.defaults, report)
  const machines = entries(root.machines).map(([name, m]) => normalizeMachine(name, m, defaults, report))
  const models = entries(root.models).map(([name, m]) => normalizeModel(name, m, report))
  const deployments = normalizeDeployments(root.deployments, machines, models, defaults, report)
  const rules = normalizeRules(root.rules, report)
  const links = normalizeLinks(root.links, machines, report)
  const fitOn: FitOn = isObj(root.rules) && root.rules.fitOn === 'load' ? 'load' : 'peak'
  const engines = normalizeEngines(root.engines)
  const restartThrottleSeconds = int(isObj(root.defaults) ? root.defaults.restartThrottle : undefined) ?? BUILTIN_DEFAULTS.restartThrottleSeconds
  return { fleet: { file: source.file, machines, models, deployments, links, rules, fitOn, engines, restartThrottleSeconds }, diagnostics }
}

type Report = (path: readonly PathSegment[], fields: Parameters<typeof diagnosticAt>[2]) => void

interface Defaults {
  reserveBytes: number
  context: number
  parallel: number
  bind: string
  serviceManager: ServiceManager
  hfCache: string | null
}

function normalizeDefaults(value: unknown, report: Report): Defaults {
  const d = isObj(value) ? value : {}
  return {
    reserveBytes: sizeField(d.reserve, ['defaults', 'reserve'], BUILTIN_DEFAULTS.reserveBytes, report),
    context: contextField(d.context, ['defaults', 'context'], BUILTIN_DEFAULTS.context, report),
    parallel: int(d.parallel) ?? BUILTIN_DEFAULTS.parallel,
    bind: str(d.bind) ?? BUILTIN_DEFAULTS.bind,
    serviceManager: (str(d.serviceManager) as ServiceManager | undefined) ?? BUILTIN_DEFAULTS.serviceManager,
    hfCache: str(d.hfCache) ?? BUILTIN_DEFAULTS.hfCache,
  }
}

function sizeField(value: unknown, path: PathSegment[], fallback: number, report: Report, parse = parseSize): number {
  if (value === undefined) return fallback
  if (typeof value !== 'string' && typeof value !== 'number') return fallback // the schema layer reported it
  const parsed = parse(value)
  if (!parsed.ok) {
    // Strings that fail the schema's pattern were already reported there; numbers that are not whole bytes were not.
    if (typeof value === 'number') report(path, { code: 'invalid-size', message: parsed.message, hint: 'Write e.g. 24GB or 24GiB' })
    return fallback
  }
  return parsed.value
}

function contextField(value: unknown, path: PathSegment[], fallback: number, report: Report): number {
  if (value === undefined) return fallback
  if (typeof value !== 'string' && typeof value !== 'number') return fallback
  const parsed = parseContext(value)
  if (!parsed.ok) {
    // "0k" or 0.5 pass the schema's pattern; zero and fractions are caught here.
    if (!(typeof value === 'number' && value < 1) && !(typeof value === 'string' && !/^\s*\d/.test(value))) {
      report(path, { code: 'invalid-context', message: parsed.message, hint: 'Use the context the deployment needs, e.g. 32k' })
    }
    return fallback
  }
  return parsed.value
}

function pickVariant(chip: Chip, gpuCores: number | undefined, memoryGiB: number): { variant: ChipVariant; memoryListed: boolean } {
  const byCores = gpuCores === undefined ? chip.variants : chip.variants.filter((v) => v.gpuCores === gpuCores)
  const withMemory = byCores.filter((v) => v.memoryGB.includes(memoryGiB))
  // Prefer a variant sold with this memory; among several, the one with the most GPU cores (larger memory → full chip).
  const pool = withMemory.length > 0 ? withMemory : byCores
  const variant = [...pool].sort((a, b) => b.gpuCores - a.gpuCores)[0] ?? chip.variants[0]!
  return { variant, memoryListed: withMemory.length > 0 }
}

function normalizeMachine(name: string, m: Obj, defaults: Defaults, report: Report): Machine {
  const path = ['machines', name]
  const chipId = str(m.chip) ?? ''
  const chip = findChip(chipId)
  if (!chip && typeof m.chip === 'string') {
    const suggestion = didYouMean(
      chipId,
      CHIPS.map((c) => c.id),
    )
    report([...path, 'chip'], {
      code: 'unknown-chip',
      message: `unknown chip "${chipId}"`,
      hint: `${suggestion ? `${suggestion} ` : ''}Known chips: ${CHIPS.map((c) => c.id).join(', ')}`,
    })
  }
  const memoryBytes = sizeField(m.memory, [...path, 'memory'], 0, report, parseMemorySize)
  const gpuCores = int(m.gpuCores)
  let variant: ChipVariant | undefined
  if (chip) {
    if (gpuCores !== undefined && !chip.variants.some((v) => v.gpuCores === gpuCores)) {
      report([...path, 'gpuCores'], {
        code: 'unknown-gpu-variant',
        message: `${chip.name} has no ${gpuCores}-core GPU variant`,
        hint: `${chip.name} comes with ${[...new Set(chip.variants.map((v) => v.gpuCores))].join(' or ')} GPU cores`,
      })
    }
    const memoryGiB = memoryBytes / 2 ** 30
    const picked = pickVariant(chip, gpuCores, memoryGiB)
    variant = picked.variant
    if (!picked.memoryListed && memoryBytes > 0) {
      const options = [...new Set(chip.variants.filter((v) => gpuCores === undefined || v.gpuCores === gpuCores).flatMap((v) => v.memoryGB))].sort((a, b) => a - b)
      report([...path, 'memory'], {
        severity: 'warning',
        code: 'unusual-memory',
        message: `${chip.name}${gpuCores ? ` (${gpuCores}-core GPU)` : ''} was not sold with ${Number(memoryGiB.toFixed(2))} GB of memory`,
        hint: `Apple's options: ${options.join(', ')} GB. Check memory (and gpuCores) against \`sysctl hw.memsize\``,
      })
    }
  }
  let bandwidthBytesPerSecond = (variant?.bandwidthGBps ?? 0) * 1e9
  let bandwidthSource: Machine['bandwidthSource'] = 'catalog'
  if (m.bandwidth !== undefined && (typeof m.bandwidth === 'string' || typeof m.bandwidth === 'number')) {
    const parsed = parseBandwidth(m.bandwidth)
    if (parsed.ok) {
      bandwidthBytesPerSecond = parsed.value
      bandwidthSource = 'declared'
    }
  }
  const reserveBytes = sizeField(m.reserve, [...path, 'reserve'], defaults.reserveBytes, report)
  if (memoryBytes > 0 && reserveBytes >= memoryBytes) {
    report([...path, m.reserve === undefined ? 'memory' : 'reserve'], {
      code: 'reserve-too-large',
      message: `the reserve (${(reserveBytes / 2 ** 30).toFixed(1)} GiB) leaves nothing of ${(memoryBytes / 2 ** 30).toFixed(1)} GiB for models`,
      hint: 'Lower reserve (defaults.reserve or machines.<name>.reserve)',
    })
  }
  const gpuWiredLimitBytes = m.gpuWiredLimit === undefined ? null : sizeField(m.gpuWiredLimit, [...path, 'gpuWiredLimit'], 0, report)
  if (gpuWiredLimitBytes !== null && memoryBytes > 0 && gpuWiredLimitBytes >= memoryBytes) {
    report([...path, 'gpuWiredLimit'], {
      code: 'wired-limit-too-large',
      message: `gpuWiredLimit (${(gpuWiredLimitBytes / 2 ** 30).toFixed(1)} GiB) must be less than the machine's memory (${(memoryBytes / 2 ** 30).toFixed(1)} GiB)`,
      hint: 'macOS needs memory the GPU cannot wire; leave at least the reserve free, e.g. memory − reserve',
    })
  }
  const pools = isObj(m.pools) ? m.pools : {}
  const pool = (key: 'weights' | 'kvCache' | 'buffers'): number | null => (pools[key] === undefined ? null : sizeField(pools[key], [...path, 'pools', key], 0, report))
  const poolBytes = { weights: pool('weights'), kvCache: pool('kvCache'), buffers: pool('buffers') }
  const pooled = (poolBytes.weights ?? 0) + (poolBytes.kvCache ?? 0) + (poolBytes.buffers ?? 0)
  if (memoryBytes > 0 && pooled + reserveBytes > memoryBytes) {
    report([...path, 'pools'], {
      code: 'pools-exceed-memory',
      message: `pools (${(pooled / 2 ** 30).toFixed(1)} GiB) plus the reserve (${(reserveBytes / 2 ** 30).toFixed(1)} GiB) exceed the machine's ${(memoryBytes / 2 ** 30).toFixed(1)} GiB`,
      hint: 'Shrink a pool or the reserve so that they add up to at most the memory',
    })
  }
  return {
    name,
    chip: chip?.id ?? chipId,
    chipName: chip?.name ?? chipId,
    memoryBytes,
    gpuCores: gpuCores ?? variant?.gpuCores ?? 0,
    cpuCores: variant?.cpuCores ?? 0,
    bandwidthBytesPerSecond,
    bandwidthSource,
    gpuClockGHz: chip?.gpuClockGHz ?? 0,
    host: str(m.host) ?? null,
    fleetPath: str(m.fleetPath) ?? null,
    reserveBytes,
    gpuWiredLimitBytes,
    pools: poolBytes,
    hfCache: str(m.hfCache) ?? defaults.hfCache,
    serviceManager: (str(m.serviceManager) as ServiceManager | undefined) ?? defaults.serviceManager,
  }
}

export function parseHfSource(source: string): HfSource | undefined {
  const match = /^hf:([A-Za-z0-9][A-Za-z0-9._-]*\/[A-Za-z0-9][A-Za-z0-9._-]*)(?:@([A-Za-z0-9._/-]+))?$/.exec(source)
  if (!match) return undefined
  return { kind: 'hf', repo: match[1]!, revision: match[2] ?? null }
}

/** What the quant name and the repo name say about the format, when the user did not declare it. */
export function inferFormat(repo: string, quant: string | null): ModelFormat | null {
  if (quant !== null && GGUF_QUANT_PATTERN.test(quant) && !MLX_QUANT_PATTERN.test(quant)) return 'gguf'
  if (/gguf/i.test(repo)) return 'gguf'
  if (quant !== null && MLX_QUANT_PATTERN.test(quant)) return 'mlx'
  if (/^mlx-community\//i.test(repo) || /(^|[-_/])mlx([-_]|$)/i.test(repo)) return 'mlx'
  return null
}

function normalizeModel(name: string, m: Obj, report: Report): Model {
  const source = parseHfSource(str(m.source) ?? '') ?? { kind: 'hf' as const, repo: '', revision: null }
  const quant = str(m.quant) ?? null
  const declared = str(m.format) as ModelFormat | undefined
  const inferred = inferFormat(source.repo, quant)
  if (declared && quant !== null) {
    const quantSays = GGUF_QUANT_PATTERN.test(quant) && !MLX_QUANT_PATTERN.test(quant) ? 'gguf' : MLX_QUANT_PATTERN.test(quant) ? 'mlx' : null
    if (quantSays !== null && quantSays !== declared && !(declared === 'safetensors' && quantSays === 'mlx')) {
      report(['models', name, 'quant'], {
        code: 'quant-format-mismatch',
        message: `quant "${quant}" names a ${quantSays.toUpperCase()} quantization, but format is ${declared}`,
        hint: quantSays === 'gguf' ? 'GGUF quants look like Q4_K_M; MLX ones like 4bit' : 'MLX quants look like 4bit or 8bit; GGUF ones like Q4_K_M',
      })
    }
  }
  const rope = isObj(m.ropeScaling) ? m.ropeScaling : undefined
  const ropeType = str(rope?.type)
  const ropeFactor = typeof rope?.factor === 'number' ? rope.factor : undefined
  return {
    name,
    source,
    quant,
    format: declared ?? inferred,
    formatSource: declared ? 'declared' : inferred ? 'inferred' : 'unknown',
    ropeScaling: ropeType && ropeFactor ? { type: ropeType as 'yarn' | 'linear' | 'dynamic', factor: ropeFactor } : null,
  }
}

/** The engine's own reading of `options:`, with this layer's parsing and error reporting for sizes. */
function optionReader(value: unknown, path: PathSegment[], report: Report): OptionReader {
  const o = isObj(value) ? value : {}
  return {
    int: (key) => int(o[key]),
    bool: (key) => (typeof o[key] === 'boolean' ? o[key] : undefined),
    str: (key) => str(o[key]),
    size: (key) => {
      if (o[key] === undefined) return undefined
      const bytes = sizeField(o[key], [...path, key], -1, report)
      return bytes < 0 ? undefined : bytes
    },
    strings: (key) => (Array.isArray(o[key]) ? o[key].filter((a): a is string => typeof a === 'string') : []),
    stringMap: (key) => {
      const map = o[key]
      return isObj(map) ? Object.fromEntries(Object.entries(map).filter((e): e is [string, string] => typeof e[1] === 'string')) : undefined
    },
  }
}

function normalizeDeployments(value: unknown, machines: readonly Machine[], models: readonly Model[], defaults: Defaults, report: Report): Deployment[] {
  const machineNames = machines.map((m) => m.name)
  const modelsByName = new Map(models.map((m) => [m.name, m]))
  const deployments: Deployment[] = []
  // port → first deployment that claimed it, per machine
  const ports = new Map<string, string>()
  for (const [name, d] of entries(value)) {
    const path = ['deployments', name]
    const engineId = str(d.engine)
    const engine: EngineId = engineId !== undefined && isEngineId(engineId) ? engineId : 'command'
    const info = ENGINES[engine]

    // machine xor machines
    let placed: string[] = []
    const single = str(d.machine)
    const several = Array.isArray(d.machines) ? d.machines.filter((m): m is string => typeof m === 'string') : undefined
    if (single !== undefined && several !== undefined) {
      report([...path, 'machines'], {
        code: 'machine-and-machines',
        key: true,
        message: 'set either machine or machines, not both',
        hint: 'Use machine: for one Mac, machines: [a, b] to spread one model across several',
      })
    } else if (single === undefined && several === undefined && d.machine === undefined && d.machines === undefined) {
      report(path, { code: 'missing-property', key: true, message: 'missing required property "machine"', hint: `Say which machine runs it: machine: ${machineNames[0] ?? 'studio'}` })
    }
    placed = several ?? (single !== undefined ? [single] : [])
    placed.forEach((machine, index) => {
      if (machineNames.includes(machine)) return
      const at = several ? [...path, 'machines', index] : [...path, 'machine']
      const suggestion = didYouMean(machine, machineNames)
      report(at, {
        code: 'unknown-machine',
        message: `machine "${machine}" is not declared under machines`,
        hint: `${suggestion ? `${suggestion} ` : ''}Declared machines: ${machineNames.join(', ') || '(none)'}`,
      })
    })

    // model reference and format compatibility
    const modelName = str(d.model)
    const model = modelName === undefined ? undefined : modelsByName.get(modelName)
    if (modelName !== undefined && !model) {
      const suggestion = didYouMean(modelName, modelsByName.keys())
      report([...path, 'model'], {
        code: 'unknown-model',
        message: `model "${modelName}" is not declared under models`,
        hint: `${suggestion ? `${suggestion} ` : ''}Declared models: ${[...modelsByName.keys()].join(', ') || '(none)'}`,
      })
    }
    if (model?.format && engineId !== undefined && isEngineId(engineId) && !(info.formats as readonly ModelFormat[]).includes(model.format)) {
      const servers = Object.values(ENGINES)
        .filter((e) => e.id !== 'command' && (e.formats as readonly ModelFormat[]).includes(model.format!))
        .map((e) => e.id)
      report([...path, 'engine'], {
        code: 'engine-format-mismatch',
        message: `${engine} cannot serve ${model.format.toUpperCase()} model "${model.name}" (${model.source.repo}); it loads ${info.formats.join(' or ')}`,
        hint: `Use engine ${servers.join(' or ')}, or point model ${model.name} at a ${info.formats.join('/')} repo${model.formatSource === 'inferred' ? ` (format ${model.format} was inferred from the ${model.quant ? 'quant and ' : ''}repo name; set format: to override)` : ''}`,
      })
    }

    const context = contextField(d.context, [...path, 'context'], defaults.context, report)
    const parallel = int(d.parallel) ?? defaults.parallel
    const port = int(d.port) ?? 0
    const kvCache = (str(d.kvCache) as KvCacheType | undefined) ?? info.defaultKvCache
    const options = engineOptions(engine, optionReader(d.options, [...path, 'options'], report), kvCache, (field, issue) => report([...path, field], issue))

    if (port > 0) {
      for (const machine of placed) {
        const key = `${machine}:${port}`
        const other = ports.get(key)
        if (other !== undefined) {
          report([...path, 'port'], {
            code: 'port-conflict',
            message: `${port} is already used by deployments.${other} on machine ${machine}`,
            hint: 'Give each deployment on a machine its own port',
          })
        } else {
          ports.set(key, name)
        }
      }
    }

    const parallelism: Parallelism = d.parallelism === 'tensor' ? 'tensor' : 'pipeline'
    if (d.parallelism !== undefined && placed.length < 2) {
      report([...path, 'parallelism'], {
        code: 'parallelism-single-machine',
        key: true,
        message: 'parallelism applies to a deployment on several machines (machines: [a, b])',
        hint: 'Remove it, or list the machines to spread the model across',
      })
    } else if (parallelism === 'tensor' && engine !== 'mlx-lm') {
      report([...path, 'parallelism'], {
        code: 'tensor-parallel-engine',
        message: `${engine} cannot split a model by tensor across machines here; llama.cpp's RPC splits by layer`,
        hint: 'Use parallelism: pipeline, or engine mlx-lm',
      })
    }
    if (placed.length > 1 && engine !== 'mlx-lm' && engine !== 'llama.cpp') {
      report([...path, 'machines'], {
        code: 'distributed-engine',
        key: true,
        message: `${engine} cannot serve one model across several machines`,
        hint: 'Use mlx-lm (mlx.launch) or llama.cpp (RPC) for a model on machines: [a, b], or put it on one machine',
      })
    }

    deployments.push({
      name,
      machine: placed[0] ?? '',
      machines: placed,
      parallelism,
      model: modelName ?? null,
      engine,
      port,
      bind: str(d.bind) ?? defaults.bind,
      context,
      parallel,
      kvCache,
      options,
    })
  }
  return deployments
}

/** Reads and checks a deployment's options with its engine's own module. */
function engineOptions(engine: EngineId, read: OptionReader, kvCache: KvCacheType, report: (field: OptionIssue['field'], issue: Omit<OptionIssue, 'field'>) => void): EngineOptions {
  const { options, issues } = ENGINE_MODULES[engine].readOptions(read, kvCache)
  for (const { field, ...issue } of issues) report(field, issue)
  return options
}

export function engineSourceOf(written: { path?: unknown; brew?: unknown; python?: unknown }): EngineSource | undefined {
  if (typeof written.path === 'string') return { kind: 'path', path: written.path }
  if (typeof written.brew === 'string') return { kind: 'brew', formula: written.brew }
  if (typeof written.python === 'string') {
    const [name, version] = written.python.split('==')
    if (name && version) return { kind: 'python', requirement: written.python, package: name, version }
  }
  return undefined
}

function normalizeEngines(value: unknown): Record<ServedEngineId, EngineSource> {
  const written = isObj(value) ? value : {}
  return Object.fromEntries(
    SERVED_ENGINE_IDS.map((id) => {
      const declared = isObj(written[id]) ? engineSourceOf(written[id]) : undefined
      return [id, declared ?? engineSourceOf(ENGINE_MODULES[id].executable.source)!]
    }),
  ) as Record<ServedEngineId, EngineSource>
}

function normalizeRules(value: unknown, report: Report): Record<RuleId, RuleSetting> {
  const written = isObj(value) ? value : {}
  const rules = Object.fromEntries(RULE_IDS.map((id) => [id, { severity: RULES[id].severity, value: RULES[id].value }])) as Record<RuleId, { severity: RuleSeverity; value: number | null }>
  const shorthand: [string, RuleId][] = [
    ['maxMemoryFraction', 'memory-fraction'],
    ['minDecodeTokensPerSecond', 'min-decode-speed'],
  ]
  for (const [key, id] of shorthand) {
    if (typeof written[key] !== 'number') continue
    rules[id].value = written[key]
    const explicit = written[id]
    if (isObj(explicit) && typeof explicit.value === 'number') {
      report(['rules', key], { severity: 'warning', code: 'rule-set-twice', key: true, message: `${key} and ${id}.value both set the same threshold; ${id}.value wins`, hint: `Keep one of them` })
    }
  }
  for (const id of RULE_IDS) {
    const setting = written[id]
    if (typeof setting === 'string') rules[id].severity = setting as RuleSeverity
    else if (isObj(setting)) {
      if (typeof setting.severity === 'string') rules[id].severity = setting.severity as RuleSeverity
      if (typeof setting.value === 'number') {
        if (RULES[id].value === null) {
          report(['rules', id, 'value'], { severity: 'warning', code: 'rule-has-no-threshold', message: `rule ${id} has no threshold; value is ignored`, hint: 'Only set its severity' })
        } else rules[id].value = setting.value
      }
    }
  }
  return rules
}

function normalizeLinks(value: unknown, machines: readonly Machine[], report: Report): Link[] {
  const names = machines.map((m) => m.name)
  const links: Link[] = []
  const seen = new Map<string, string>()
  for (const [name, l] of entries(value)) {
    const path = ['links', name]
    const between = Array.isArray(l.between) ? l.between.filter((m): m is string => typeof m === 'string') : []
    const kind = typeof l.kind === 'string' && (LINK_KINDS as readonly string[]).includes(l.kind) ? (l.kind as LinkKind) : null
    let bad = between.length !== 2 || kind === null
    between.forEach((machine, index) => {
      if (names.includes(machine)) return
      bad = true
      report([...path, 'between', index], {
        code: 'unknown-machine',
        message: `machine "${machine}" is not declared under machines`,
        hint: `${didYouMean(machine, names)} Declared machines: ${names.join(', ')}`.trim(),
      })
    })
    const pair = [...between].sort().join(' ↔ ')
    const other = seen.get(pair)
    if (!bad && other !== undefined) {
      report([...path, 'between'], { code: 'duplicate-link', message: `links.${other} already connects ${pair}`, hint: 'Declare one link per pair of machines (the fastest one they use)' })
      bad = true
    }
    if (bad || kind === null) continue
    seen.set(pair, name)
    const bandwidth = l.bandwidth === undefined ? null : parseBandwidth(l.bandwidth as string | number)
    const strings = (v: unknown): Record<string, string> => (isObj(v) ? Object.fromEntries(Object.entries(v).filter((e): e is [string, string] => typeof e[1] === 'string')) : {})
    for (const field of ['addresses', 'rdmaDevices'] as const) {
      for (const machine of Object.keys(strings(l[field]))) {
        if (between.includes(machine)) continue
        report([...path, field, machine], {
          code: 'unknown-machine',
          message: `${machine} is not one of the machines this link connects (${between.join(', ')})`,
          hint: `Name ${between.join(' or ')} here`,
        })
      }
    }
    links.push({
      name,
      between: [between[0]!, between[1]!],
      kind,
      bytesPerSecond: bandwidth?.ok ? bandwidth.value : LINKS[kind].bytesPerSecond,
      latencySeconds: LINKS[kind].latencySeconds,
      addresses: strings(l.addresses),
      rdmaDevices: strings(l.rdmaDevices),
    })
  }
  return links
}
