/**
 * `command`: any long-running program the user names. fleet only substitutes `{port}` (in the arguments, the
 * environment values and the health URL) and waits for the health URL to answer 2xx.
 */
import { optionsFor } from '../shared/launch.ts'
import type { EngineInputs, EngineLaunch } from '../types.ts'

/** Replaces every `{port}` in `text`. */
export function substitutePort(text: string, port: number): string {
  return text.replaceAll('{port}', String(port))
}

/**
 * `inputs.executable` is command[0] resolved to an absolute path (executable.ts `resolveCommandExecutable`), because
 * launchd does not search the user's PATH; when empty, command[0] is used as written.
 */
export function commandLaunch(inputs: EngineInputs): EngineLaunch {
  const { deployment } = inputs
  const options = optionsFor(deployment, 'command')
  const [written = '', ...rest] = options.command
  const port = deployment.port
  return {
    program: inputs.executable === '' ? substitutePort(written, port) : inputs.executable,
    args: rest.map((arg) => substitutePort(arg, port)),
    env: Object.fromEntries(Object.entries(options.env).map(([k, v]) => [k, substitutePort(v, port)])),
    // okStatus 0: any 2xx, since fleet cannot know what the program answers.
    readiness: { kind: 'http', url: substitutePort(options.healthUrl, port), okStatus: 0 },
    // fleet does not know the program's API, so it sends nothing.
    warmup: null,
  }
}
