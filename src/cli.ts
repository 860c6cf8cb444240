/**
 * The argument layer: cac maps argv to a command and its options, then loads the command lazily so
 * `fleet --version` stays fast. Commands return an exit code; only src/index.ts exits.
 */
import { cac } from 'cac'
import { UserError } from './errors.ts'
import type { Io } from './ui/io.ts'
import { VERSION } from './version.ts'

interface CommonFlags {
  file: string
  json?: boolean
}

export async function run(argv: readonly string[], io: Io): Promise<number> {
  const cli = cac('fleet')
  const fileOption = ['-f, --file <file>', 'fleet file to read', { default: 'fleet.yaml' }] as const

  cli
    .command('validate', 'Check fleet.yaml: YAML syntax, the schema, and what it means (references, ports, engines, chips)')
    .option(...fileOption)
    .option('--json', 'Print diagnostics as JSON')
    .example('fleet validate -f examples/studio-70b-32b.yaml')
    .action(async (flags: CommonFlags) => {
      const { validate } = await import('./commands/validate.ts')
      return validate({ file: String(flags.file), json: flags.json === true }, io)
    })

  cli
    .command('plan', 'Preview memory fit, speed and changes for every machine, without touching anything')
    .option(...fileOption)
    .option('--json', 'Print the plan as a versioned JSON document')
    .option('--offline', 'Use only fleet.lock and the built-in catalog; never contact the Hub')
    .option('--out <planfile>', 'Also save the plan as JSON, for fleet apply <planfile>')
    .option('--detailed-exitcode', 'Exit 2 when there are changes to apply (0 none, 1 error)')
    .option('--machine <name>', 'Only this machine (repeatable; default: this one and every machine with host:)')
    .example('fleet plan -f examples/studio-70b-32b.yaml')
    .action(async (flags: CommonFlags & { offline?: boolean; out?: string; detailedExitcode?: boolean; machine?: string | string[] }) => {
      const { plan } = await import('./commands/plan.ts')
      return plan(
        {
          file: String(flags.file),
          json: flags.json === true,
          offline: flags.offline === true,
          detailedExitcode: flags.detailedExitcode === true,
          ...(flags.out === undefined ? {} : { out: String(flags.out) }),
          machines: list(flags.machine),
        },
        io,
      )
    })

  cli
    .command('lock [...models]', 'Pin models to commits in fleet.lock, with the files the engines load and their hashes')
    .option(...fileOption)
    .option('--update', 'Re-resolve the named models (or all) even if already pinned')
    .option('--json', 'Print the result as JSON')
    .example('fleet lock --update qwen3-32b')
    .action(async (models: string[], flags: CommonFlags & { update?: boolean }) => {
      const { lock } = await import('./commands/lock.ts')
      return lock({ file: String(flags.file), models: models.map(String), update: flags.update === true, json: flags.json === true }, io)
    })

  cli
    .command('pull [...models]', 'Download the weights of the models (default: every deployed model) into the Hugging Face cache, verified')
    .option(...fileOption)
    .option('--cache-dir <dir>', "Hugging Face hub cache to fill (default: the machine's hfCache, else HF_HUB_CACHE / HF_HOME)")
    .option('--json', 'Print one JSON object per event, then a summary')
    .option('--offline', 'Never contact the Hub: only link what is already in the cache')
    .option('--verify', 'Re-hash files already in the cache instead of trusting their size')
    .example('fleet pull qwen3-32b')
    .action(async (models: string[], flags: CommonFlags & { cacheDir?: string; offline?: boolean; verify?: boolean }) => {
      const { pull } = await import('./commands/pull.ts')
      return pull(
        {
          file: String(flags.file),
          models: models.map(String),
          json: flags.json === true,
          offline: flags.offline === true,
          verify: flags.verify === true,
          ...(flags.cacheDir === undefined ? {} : { cacheDir: String(flags.cacheDir) }),
        },
        io,
      )
    })

  cli.command('schema', 'Print the JSON Schema of fleet.yaml (for editors: yaml-language-server)').action(async () => {
    const { printSchema } = await import('./commands/schema.ts')
    return printSchema(io)
  })

  cli
    .command('init', 'Write a starter fleet.yaml for this machine from its probe: chip, memory, reserve, one model that fits (never overwrites)')
    .option(...fileOption)
    .option('--chip <id>', "The chip to plan for (default: this Mac's; needed off a Mac)")
    .option('--memory <size>', "Its RAM, e.g. 64GB (default: this machine's)")
    .action(async (flags: CommonFlags & { chip?: string; memory?: string }) => {
      const { init } = await import('./commands/init.ts')
      return init({ file: String(flags.file), ...(flags.chip === undefined ? {} : { chip: String(flags.chip) }), ...(flags.memory === undefined ? {} : { memory: String(flags.memory) }) }, io)
    })

  cli
    .command('bench [...deployments]', 'Measure the running servers (TTFT, decode tok/s at several prompt lengths, 1 and parallel streams) next to the plan')
    .option(...fileOption)
    .option('--machine <name>', 'Only this machine (repeatable; default: this one and every machine with host:)')
    .option('--repetitions <n>', 'Runs per point (default 3)', { default: '3' })
    .option('--max-tokens <n>', 'Tokens generated per request (default 64)', { default: '64' })
    .option('--lengths <list>', 'Prompt lengths in tokens, comma-separated (default: 128, 512, 2K, 8K … up to the context)')
    .option('--calibrate', "Fit each machine's speed constants to the measurements and record them in fleet.calibration.json")
    .option('--out <file>', 'Write the results as JSON')
    .option('--report <file>', 'Draw predicted against measured decode speed, and the memory bars, as SVG')
    .option('--json', 'Print the results as JSON')
    .action(
      async (
        deployments: string[],
        flags: CommonFlags & { machine?: string | string[]; repetitions?: string; maxTokens?: string; lengths?: string; calibrate?: boolean; out?: string; report?: string },
      ) => {
        const { bench } = await import('./commands/bench.ts')
        const count = (value: string | undefined, name: string, fallback: number): number => {
          const n = value === undefined ? fallback : Number(value)
          if (!Number.isInteger(n) || n <= 0) throw new UserError(`--${name} must be a positive whole number, not ${value}`)
          return n
        }
        const lengths =
          flags.lengths === undefined
            ? undefined
            : String(flags.lengths)
                .split(',')
                .map((v) => count(v.trim(), 'lengths', 0))
        return bench(
          {
            file: String(flags.file),
            deployments,
            machines: list(flags.machine),
            json: flags.json === true,
            calibrate: flags.calibrate === true,
            repetitions: count(flags.repetitions, 'repetitions', 3),
            maxTokens: count(flags.maxTokens, 'max-tokens', 64),
            ...(lengths ? { lengths } : {}),
            ...(flags.out === undefined ? {} : { out: String(flags.out) }),
            ...(flags.report === undefined ? {} : { report: String(flags.report) }),
          },
          io,
        )
      },
    )

  cli
    .command('probe', 'Measure each machine: chip, GPU cores, RAM, macOS, Metal working set, wired limit, free disk, memory, bandwidth')
    .option(...fileOption)
    .option('--machine <name>', 'Only this machine (repeatable; default: this one and every machine with host:)')
    .option('--save', 'Record the reports in fleet.probe.json next to fleet.yaml (plan then budgets with them)')
    .option('--json', 'Print the reports as JSON')
    .action(async (flags: CommonFlags & { machine?: string | string[]; save?: boolean }) => {
      const { probe } = await import('./commands/probe.ts')
      return probe({ file: String(flags.file), json: flags.json === true, machines: list(flags.machine), save: flags.save === true }, io)
    })

  cli
    .command('chips', 'List the Apple Silicon chips fleet knows: GPU cores, memory bandwidth, memory options')
    .option('--json', 'Print the catalog as JSON')
    .action(async (flags: { json?: boolean }) => {
      const { listChips } = await import('./commands/chips.ts')
      return listChips({ json: flags.json === true }, io)
    })

  cli
    .command('apply [planfile]', 'Reach the declared state on every machine (over ssh for those with host:): pull, write services, (re)start what changed, wait until ready')
    .option(...fileOption)
    .option('--target <name>', 'Only this deployment (or machine); repeatable')
    .option('--dry-run', 'Show what would change and stop')
    .option('--yes', 'Run privileged machine changes (the GPU wired limit, with sudo) without asking')
    .option('--ready-timeout <seconds>', 'How long a server may take to answer before it is rolled back (default: 120 s + 1 s per GB of weights)')
    .option('--offline', 'Never contact the Hub (everything must be pinned and cached)')
    .option('--machine <name>', 'Only this machine (repeatable; default: this one and every machine with host:)')
    .option('--json', 'Print the result as JSON')
    .example('fleet apply -f fleet.yaml --target chat')
    .action(
      async (
        planFile: string | undefined,
        flags: CommonFlags & { target?: string | string[]; dryRun?: boolean; offline?: boolean; machine?: string | string[]; readyTimeout?: string; yes?: boolean },
      ) => {
        const { apply } = await import('./commands/apply-fleet.ts')
        const readyTimeout = flags.readyTimeout === undefined ? undefined : Number(flags.readyTimeout)
        if (readyTimeout !== undefined && !(readyTimeout > 0)) throw new UserError(`--ready-timeout takes a number of seconds, not "${String(flags.readyTimeout)}"`)
        return apply(
          {
            yes: flags.yes === true,
            ...(readyTimeout === undefined ? {} : { readyTimeoutSeconds: readyTimeout }),
            file: String(flags.file),
            ...(planFile === undefined ? {} : { planFile: String(planFile) }),
            targets: list(flags.target),
            dryRun: flags.dryRun === true,
            json: flags.json === true,
            offline: flags.offline === true,
            machines: list(flags.machine),
          },
          io,
        )
      },
    )

  cli
    .command('status', 'Show each deployment on every machine: running, pid, uptime, restarts, health, memory')
    .option(...fileOption)
    .option('--machine <name>', 'Only this machine (repeatable; default: this one and every machine with host:)')
    .option('--json', 'Print the status as JSON')
    .action(async (flags: CommonFlags & { machine?: string | string[] }) => {
      const { status } = await import('./commands/status.ts')
      return status({ file: String(flags.file), json: flags.json === true, machines: list(flags.machine) }, io)
    })

  cli
    .command('logs <deployment>', "Print a deployment's server logs")
    .option(...fileOption)
    .option('-F, --follow', 'Keep printing new lines until Ctrl-C')
    .option('-n, --lines <n>', 'Lines from the end of each log', { default: '50' })
    .option('--machine <name>', 'Only this machine (repeatable; default: this one and every machine with host:)')
    .action(async (deployment: string, flags: CommonFlags & { follow?: boolean; lines?: string; machine?: string | string[] }) => {
      const { logs } = await import('./commands/logs.ts')
      const lines = Number.parseInt(String(flags.lines ?? '50'), 10)
      if (!Number.isInteger(lines) || lines < 0) throw new UserError(`--lines takes a whole number, not "${String(flags.lines)}"`)
      return logs({ file: String(flags.file), deployment: String(deployment), follow: flags.follow === true, lines, machines: list(flags.machine) }, io)
    })

  cli
    .command('destroy', 'Stop and remove the services fleet installed on every machine (weights stay unless --purge)')
    .option(...fileOption)
    .option('--target <name>', 'Only this deployment; repeatable')
    .option('--purge', 'Also delete the cached weights of models no remaining deployment uses')
    .option('--machine <name>', 'Only this machine (repeatable; default: this one and every machine with host:)')
    .option('--json', 'Print the result as JSON')
    .action(async (flags: CommonFlags & { target?: string | string[]; purge?: boolean; machine?: string | string[] }) => {
      const { destroy } = await import('./commands/destroy.ts')
      return destroy({ file: String(flags.file), targets: list(flags.target), purge: flags.purge === true, json: flags.json === true, machines: list(flags.machine) }, io)
    })

  cli.command('agent', 'Machine-local side of the ssh protocol: the control point runs it on machines with host: (not for use by hand)').action(async () => {
    const { agent } = await import('./commands/agent.ts')
    return agent(process.stdin, io)
  })

  cli.command('up', "Run the installed services in the foreground under fleet's own supervisor (no launchd) until Ctrl-C").action(async () => {
    const { up } = await import('./commands/up.ts')
    return up({}, io)
  })

  cli.help()
  cli.version(VERSION)

  let parsed: ReturnType<typeof cli.parse>
  try {
    parsed = cli.parse(['node', 'fleet', ...argv], { run: false })
  } catch (error) {
    throw usageError(error)
  }
  if (parsed.options.help === true || parsed.options.version === true) return 0
  if (!cli.matchedCommand) {
    if (parsed.args.length === 0) {
      cli.outputHelp()
      return 1
    }
    throw new UserError(`unknown command "${parsed.args[0]}"`, { hint: 'Run fleet --help to see the commands' })
  }
  try {
    const code: unknown = await cli.runMatchedCommand()
    return typeof code === 'number' ? code : 0
  } catch (error) {
    throw usageError(error)
  }
}

/** A repeatable flag: cac gives a string once and an array when repeated. */
function list(value: string | string[] | undefined): string[] {
  return value === undefined ? [] : (Array.isArray(value) ? value : [value]).map(String)
}

/** cac reports wrong usage (unknown option, missing value) with CACError; that is a user error. */
function usageError(error: unknown): unknown {
  if (error instanceof Error && error.name === 'CACError') {
    return new UserError(error.message, { hint: 'Run fleet --help, or fleet <command> --help' })
  }
  return error
}
