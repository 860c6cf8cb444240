import { createHash } from 'node:crypto'
import type { ServiceSpec } from '../services/types.ts'
import { stableStringify } from './stable-json.ts'

/** sha256 of a service definition: a change of any argument, variable or path is a change of the service. */
export function specHash(spec: ServiceSpec): string {
  return createHash('sha256').update(stableStringify(spec)).digest('hex')
}
