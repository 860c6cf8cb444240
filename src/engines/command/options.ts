/** A `command` deployment's options: the program, its health URL, environment, working directory and memory. */
import type { OptionReader } from '../module.ts'

export interface CommandOptions {
  readonly engine: 'command'
  readonly command: readonly string[]
  readonly healthUrl: string
  readonly env: Readonly<Record<string, string>>
  readonly cwd: string | null
  /** What the program is declared to use (options.memory); fleet cannot size an unknown program. */
  readonly memoryBytes: number
}

export const COMMAND_OPTION_DEFAULTS = { healthUrl: 'http://127.0.0.1:{port}/', env: {}, cwd: null, memoryBytes: 0 } as const satisfies Omit<CommandOptions, 'engine' | 'command'>

export function normalizeCommandOptions(read: OptionReader): CommandOptions {
  const d = COMMAND_OPTION_DEFAULTS
  return {
    engine: 'command',
    command: read.strings('command'),
    healthUrl: read.str('healthUrl') ?? d.healthUrl,
    env: read.stringMap('env') ?? { ...d.env },
    cwd: read.str('cwd') ?? d.cwd,
    memoryBytes: read.size('memory') ?? d.memoryBytes,
  }
}
