/** `command`: any long-running program with a port and a health URL (Open WebUI, a proxy, a server fleet has no module for). */
import type { EngineModule } from '../module.ts'
import { commandLaunch } from './launch.ts'
import { normalizeCommandOptions } from './options.ts'

export const command = {
  info: { id: 'command', title: 'command (any long-running program)', formats: ['mlx', 'gguf', 'safetensors'], kvCacheTypes: ['f16'], defaultKvCache: 'f16', defaultPort: 8080, needsModel: false },
  // The program is the deployment's own (options.command[0]), resolved on PATH per deployment.
  executable: null,
  readOptions: (read) => ({ options: normalizeCommandOptions(read), issues: [] }),
  // fleet cannot size an unknown program: it counts the memory the deployment declares (src/sizing/deployment.ts).
  sizing: null,
  launch: commandLaunch,
} as const satisfies EngineModule<'command'>
