/**
 * The words a person reads for a change, rendered from its steps. Nothing reads these back: apply executes steps.
 * The resource's own steps come first (what happens to the service), the download last.
 */
import type { ChangeStep, SpecDifference } from './types.ts'

function differenceReason(d: SpecDifference): string {
  switch (d.field) {
    case 'args':
      return `engine flags changed (${argDiff(d.before, d.after)})`
    case 'env':
      return `environment changed (${d.keys.join(', ')})`
    case 'paths':
      return 'paths changed'
    case 'restart-policy':
      return 'restart policy changed'
  }
}

/** "--port 8080 → 8090" for the first differing flag value, or "reordered". */
export function argDiff(before: readonly string[], after: readonly string[]): string {
  for (let i = 0; i < Math.max(before.length, after.length); i++) {
    if (before[i] !== after[i]) {
      const flag = [after[i - 1], before[i - 1]].find((a) => a?.startsWith('-'))
      return `${flag ? `${flag} ` : ''}${before[i] ?? '∅'} → ${after[i] ?? '∅'}`
    }
  }
  return 'reordered'
}

function stepReasons(step: ChangeStep): string[] {
  switch (step.step) {
    case 'install':
      return step.fresh ? ['not installed'] : step.differences.map(differenceReason)
    case 'replace':
      return step.what === 'engine' ? [`engine changed (${step.before} → ${step.after})`] : ['model revision changed']
    case 'restart':
      switch (step.cause) {
        case 'not-loaded':
          return ['service not loaded']
        case 'crashed':
          return [`crashed (last exit code ${step.lastExitCode ?? '?'})`]
        case 'not-running':
          return ['not running']
        case 'not-answering':
          return [`not answering on port ${step.port}`]
        case 'files-missing':
          return ['files missing']
      }
      break
    case 'delete':
      return ['no longer declared']
    case 'wiredLimit': {
      if (step.declaredMiB === null) return ['gpuWiredLimit no longer declared']
      const reasons: string[] = []
      if (step.inForceMiB !== step.declaredMiB) reasons.push(`iogpu.wired_limit_mb is ${step.inForceMiB ?? 'unavailable'}, declared ${step.declaredMiB}`)
      if (!step.daemonInstalled) reasons.push('boot-time LaunchDaemon not installed')
      return reasons
    }
    case 'pull':
      return [step.why === 'files-missing' ? 'files missing' : 'weights to download']
  }
  return []
}

export function renderReasons(steps: readonly ChangeStep[]): string[] {
  const ordered = [...steps.filter((s) => s.step !== 'pull'), ...steps.filter((s) => s.step === 'pull')]
  return [...new Set(ordered.flatMap(stepReasons))]
}
