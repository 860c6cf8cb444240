/** Small pieces every engine module shares: where to probe a server, which options it carries, what it loads. */

/** An IPv6 literal: the only kind of listen address with a colon (IPv4 and host names have none). Pure, unlike node:net. */
function isIPv6(address: string): boolean {
  return address.includes(':')
}
import type { EngineId } from '../../catalog/engines.ts'
import type { Deployment, EngineOptions } from '../../config/types.ts'
import { InternalError, UserError } from '../../errors.ts'
import type { EngineInputs, EngineLaunch } from '../types.ts'

/**
 * The address fleet connects to when checking a server bound to `bind`. A wildcard bind listens on loopback too, and
 * loopback is the one address that always reaches the local machine; a specific address is used as is.
 */
export function probeHost(bind: string): string {
  if (bind === '0.0.0.0' || bind === '') return '127.0.0.1'
  if (bind === '::' || bind === '[::]') return '[::1]'
  return isIPv6(bind) ? `[${bind}]` : bind
}

/** `http://host:port` for probes and warm-ups. */
export function baseUrl(deployment: Deployment): string {
  return `http://${probeHost(deployment.bind)}:${deployment.port}`
}

/** `host:port` as a listen address (IPv6 in brackets), e.g. for OLLAMA_HOST. */
export function hostPort(bind: string, port: number): string {
  return isIPv6(bind) ? `[${bind}]:${port}` : `${bind}:${port}`
}

/** The deployment's options, checked to belong to `engine` (normalization guarantees it; a mismatch is a bug). */
export function optionsFor<E extends EngineId>(deployment: Deployment, engine: E): Extract<EngineOptions, { engine: E }> {
  const options = deployment.options
  if (deployment.engine !== engine || options.engine !== engine) {
    throw new InternalError(`deployment "${deployment.name}" has engine ${deployment.engine} with ${options.engine} options, expected ${engine}`)
  }
  return options as Extract<EngineOptions, { engine: E }>
}

/** The absolute snapshot directory the engine loads; absent means the model was never pulled. */
export function requireSnapshotDir(inputs: EngineInputs): string {
  const dir = inputs.paths.snapshotDir
  if (dir === null) throw notPulled(inputs)
  return dir
}

/** The GGUF file(s) in part order; llama-server and Ollama both need at least the first part. */
export function requireModelFiles(inputs: EngineInputs): readonly [string, ...string[]] {
  const [first, ...rest] = inputs.paths.modelFiles
  if (first === undefined) throw notPulled(inputs)
  return [first, ...rest]
}

function notPulled(inputs: EngineInputs): UserError {
  const { deployment } = inputs
  return new UserError(`deployment "${deployment.name}": the weights of model "${deployment.model ?? '?'}" are not on this machine`, {
    hint: 'run `fleet pull` (or `fleet apply`, which pulls first)',
  })
}

/** A chat completion of `maxTokens` tokens: the same path real clients take, so it pays for their first-request costs. */
export function chatWarmup(url: string, model: string, maxTokens: number): NonNullable<EngineLaunch['warmup']> {
  return { url, body: { model, messages: [{ role: 'user', content: 'Hello' }], max_tokens: maxTokens, stream: false } }
}
