/**
 * The plan's named rules. Each diagnostic a rule raises carries its id, and `rules:` in fleet.yaml can change
 * a rule's severity (or turn it off) and its threshold. Defaults come from the seed setups people run.
 */
export const SEVERITIES = ['error', 'warning', 'info'] as const
export type Severity = (typeof SEVERITIES)[number]
export type RuleSeverity = Severity | 'off'

export const RULE_IDS = ['fits-in-budget', 'memory-fraction', 'headroom', 'min-decode-speed', 'chat-speed', 'context-exceeds-model', 'wired-limit-needed', 'disk-space'] as const
export type RuleId = (typeof RULE_IDS)[number]

export interface RuleInfo {
  readonly id: RuleId
  readonly severity: RuleSeverity
  /** The threshold, when the rule has one; its unit is in `unit`. */
  readonly value: number | null
  readonly unit: 'fraction' | 'tokens/s' | null
  readonly summary: string
}

export const RULES = {
  'fits-in-budget': {
    id: 'fits-in-budget',
    severity: 'error',
    value: null,
    unit: null,
    summary: 'The deployments on a machine must fit its memory budget (RAM minus reserve, and the Metal GPU working set).',
  },
  'memory-fraction': { id: 'memory-fraction', severity: 'warning', value: 0.8, unit: 'fraction', summary: "Planned memory should stay below this fraction of the machine's RAM." },
  // Headroom has two thresholds: `value` warns; above 0.95 of the budget it is an error (HEADROOM_ERROR_FRACTION).
  headroom: { id: 'headroom', severity: 'warning', value: 0.8, unit: 'fraction', summary: 'Memory pressure: warn when the budget is more than this fraction used; error above 95 %.' },
  'min-decode-speed': { id: 'min-decode-speed', severity: 'warning', value: 8, unit: 'tokens/s', summary: 'Interactive use needs at least this decode speed at full context.' },
  'chat-speed': { id: 'chat-speed', severity: 'info', value: 15, unit: 'tokens/s', summary: 'Chat-grade decode speed at full context.' },
  'context-exceeds-model': {
    id: 'context-exceeds-model',
    severity: 'error',
    value: null,
    unit: null,
    summary: "A deployment's context must not exceed the model's trained context unless rope scaling is declared.",
  },
  'wired-limit-needed': {
    id: 'wired-limit-needed',
    severity: 'warning',
    value: null,
    unit: null,
    summary: 'The models fit in RAM but not in the default Metal GPU working set: declare gpuWiredLimit.',
  },
  'disk-space': { id: 'disk-space', severity: 'error', value: null, unit: null, summary: 'Weights not yet downloaded must fit on the disk that holds the Hugging Face cache.' },
} as const satisfies Record<RuleId, RuleInfo>

export const HEADROOM_ERROR_FRACTION = 0.95

export function isRuleId(value: string): value is RuleId {
  return (RULE_IDS as readonly string[]).includes(value)
}
