import { readFileSync } from 'node:fs'
import { homedir } from 'node:os'
import { join } from 'node:path'
import { UserError } from '../errors.ts'

/** Where the Hub is, who we are on it, and where its files are cached: resolved once from the environment. */
export interface HubConfig {
  /** Base URL without a trailing slash, e.g. `https://huggingface.co`. */
  endpoint: string
  /** Never print this. */
  token: string | undefined
  /** The huggingface_hub cache directory (`…/huggingface/hub`), shared with mlx-lm, transformers and llama.cpp. */
  hubCache: string
  /** `HF_HUB_OFFLINE`: no HTTP at all, only the cache. */
  offline: boolean
}

export type ReadTextFile = (path: string, encoding: 'utf8') => string

export const DEFAULT_ENDPOINT = 'https://huggingface.co'

/**
 * Mirrors huggingface_hub (`constants.py`, `utils/_auth.py`) so fleet, mlx-lm and `hf download` agree on the endpoint,
 * the token and the cache. One deliberate difference: a variable set to the empty string counts as unset everywhere
 * (Python treats `HF_HOME=""` as a relative path ""), because an empty value is almost always a shell accident.
 */
export function resolveHubConfig(env: NodeJS.ProcessEnv, readFile: ReadTextFile = readFileSync, homeDir: string = homedir()): HubConfig {
  const get = (name: string): string | undefined => {
    const value = env[name]
    return value === undefined || value === '' ? undefined : value
  }
  const expand = (path: string): string => expandHome(path, homeDir)

  const hfHome = expand(get('HF_HOME') ?? join(get('XDG_CACHE_HOME') ?? join(homeDir, '.cache'), 'huggingface'))
  const hubCache = expand(get('HF_HUB_CACHE') ?? get('HUGGINGFACE_HUB_CACHE') ?? join(hfHome, 'hub'))
  const tokenPath = expand(get('HF_TOKEN_PATH') ?? join(hfHome, 'token'))

  return {
    endpoint: resolveEndpoint(get('HF_ENDPOINT')),
    token: cleanToken(get('HF_TOKEN')) ?? cleanToken(get('HUGGING_FACE_HUB_TOKEN')) ?? readTokenFile(tokenPath, readFile),
    hubCache,
    // TRANSFORMERS_OFFLINE is honoured too, as huggingface_hub does, so a shell set up for transformers behaves alike.
    offline: isTruthy(get('HF_HUB_OFFLINE')) || isTruthy(get('TRANSFORMERS_OFFLINE')),
  }
}

/** huggingface_hub's `_is_true`: case-insensitive 1/true/yes/on. */
export function isTruthy(value: string | undefined): boolean {
  return value !== undefined && ['1', 'TRUE', 'YES', 'ON'].includes(value.trim().toUpperCase())
}

function resolveEndpoint(raw: string | undefined): string {
  // Python: `os.getenv("HF_ENDPOINT", "").rstrip("/") or default`, so "/" alone also means the default.
  const endpoint = (raw ?? '').trim().replace(/\/+$/, '') || DEFAULT_ENDPOINT
  let url: URL
  try {
    url = new URL(endpoint)
  } catch {
    throw new UserError(`HF_ENDPOINT "${endpoint}" is not a URL`, { hint: `Set it to e.g. ${DEFAULT_ENDPOINT}, or unset it.` })
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new UserError(`HF_ENDPOINT "${endpoint}" must be an http(s) URL`, { hint: `Set it to e.g. ${DEFAULT_ENDPOINT}, or unset it.` })
  }
  return endpoint
}

/** Token files written by `hf auth login` end with a newline; whitespace-only means "no token" (huggingface_hub `_clean_token`). */
function cleanToken(token: string | undefined): string | undefined {
  const trimmed = token?.replace(/[\r\n]/g, '').trim()
  return trimmed === undefined || trimmed === '' ? undefined : trimmed
}

function readTokenFile(path: string, readFile: ReadTextFile): string | undefined {
  try {
    return cleanToken(readFile(path, 'utf8'))
  } catch (error) {
    const code = errorCode(error)
    // No token file is the normal anonymous case; huggingface_hub ignores it the same way.
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined
    throw new UserError(`Cannot read the Hugging Face token file ${path} (${code ?? 'unknown error'})`, {
      hint: 'Fix its permissions, set HF_TOKEN instead, or point HF_TOKEN_PATH elsewhere.',
      cause: error,
    })
  }
}

function errorCode(error: unknown): string | undefined {
  if (typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'string') return error.code
  return undefined
}

/** Python applies `os.path.expanduser` to these paths; only `~` and `~/…` (the current user) are expanded here. */
function expandHome(path: string, homeDir: string): string {
  if (path === '~') return homeDir
  if (path.startsWith('~/')) return join(homeDir, path.slice(2))
  return path
}
