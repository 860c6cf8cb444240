/**
 * The defaults fleet applies to a fleet.yaml, in one place; its `defaults:` block overrides them. Each engine's option
 * defaults and default source live with the engine (src/engines/<engine>/options.ts and index.ts).
 */

export const BUILTIN_DEFAULTS = {
  /** Kept free for macOS, the window server and everyday apps. */
  reserveBytes: 8 * 2 ** 30,
  /** A context that works for chat on every model fleet knows. */
  context: 8192,
  parallel: 1,
  bind: '127.0.0.1',
  serviceManager: 'auto',
  hfCache: null,
  /** launchd's default ThrottleInterval. */
  restartThrottleSeconds: 10,
} as const
