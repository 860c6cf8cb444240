/**
 * The rendered LaunchAgent: golden files (test/fixtures/plist/), read back by an independent parser (Python's
 * plistlib, the same format code Apple's tools follow) and compared key by key, and round-tripped through
 * parseAgentPlist.
 */
import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { describe, expect, test } from 'vitest'
import { InternalError, UserError } from '../../src/errors.ts'
import { AGENT_TEMPLATE_URL, agentLogPaths, agentPlistPath, parseAgentPlist, renderAgentPlist } from '../../src/services/plist.ts'
import type { ServiceSpec } from '../../src/services/types.ts'

const PLISTLIB = 'import plistlib,sys,json; print(json.dumps(plistlib.loads(sys.stdin.buffer.read())))'

/** The plist as Python's plistlib reads it. */
function plistlib(xml: string): Record<string, unknown> {
  return JSON.parse(execFileSync('python3', ['-c', PLISTLIB], { input: Buffer.from(xml, 'utf8') }).toString('utf8')) as Record<string, unknown>
}

const HOME = '/Users/ada'

/** A representative deployment: mlx_lm.server for a 32B model, with the environment launchd needs spelled out. */
const CHAT: ServiceSpec = {
  label: 'dev.fleet.chat',
  deployment: 'chat',
  program: '/Users/ada/.local/share/fleet/venvs/mlx-lm/bin/mlx_lm.server',
  args: ['--model', 'mlx-community/Qwen3-32B-8bit', '--host', '127.0.0.1', '--port', '8080', '--max-tokens', '32768'],
  env: {
    PATH: '/opt/homebrew/bin:/opt/homebrew/sbin:/usr/bin:/bin:/usr/sbin:/sbin',
    HOME,
    HF_HOME: '/Users/ada/.cache/huggingface',
    HF_HUB_OFFLINE: '1',
  },
  workingDirectory: '/Users/ada/.local/share/fleet',
  ...agentLogPaths(HOME, 'chat'),
  throttleSeconds: 10,
  exitTimeoutSeconds: 30,
  numberOfFiles: 8192,
}

/** Every character class the XML layer must escape or carry: markup, quotes, non-ASCII, whitespace. */
const ESCAPING: ServiceSpec = {
  ...CHAT,
  label: 'dev.fleet.escaping',
  deployment: 'escaping',
  ...agentLogPaths(HOME, 'escaping'),
  program: '/Applications/LLM Tools & Co/<bin>/server',
  args: ['--system-prompt', 'Tom & Jerry say "hi" & <b>bye</b> \'ok\'', '--stop', ']]>', 'naïve 日本語 🦙', 'tab\there', 'two\nlines'],
  env: { 'A&B': 'x<y>z', QUOTES: `"double" 'single'`, UNICODE: 'Ünïcödé — ✓ 🦙', EMPTY: '' },
}

function checkAgainstSpec(parsed: Record<string, unknown>, spec: ServiceSpec): void {
  expect(Object.keys(parsed).sort()).toEqual(
    [
      'Label',
      'ProgramArguments',
      'EnvironmentVariables',
      'WorkingDirectory',
      'StandardOutPath',
      'StandardErrorPath',
      'RunAtLoad',
      'KeepAlive',
      'ThrottleInterval',
      'ExitTimeOut',
      'ProcessType',
      'SoftResourceLimits',
      'LimitLoadToSessionType',
    ].sort(),
  )
  expect(parsed.Label).toBe(spec.label)
  expect(parsed.ProgramArguments).toEqual([spec.program, ...spec.args])
  expect(parsed.EnvironmentVariables).toEqual(spec.env)
  expect(parsed.WorkingDirectory).toBe(spec.workingDirectory)
  expect(parsed.StandardOutPath).toBe(spec.stdoutPath)
  expect(parsed.StandardErrorPath).toBe(spec.stderrPath)
  expect(parsed.RunAtLoad).toBe(true)
  expect(parsed.KeepAlive).toEqual({ SuccessfulExit: false })
  expect(parsed.ThrottleInterval).toBe(spec.throttleSeconds)
  expect(parsed.ExitTimeOut).toBe(spec.exitTimeoutSeconds)
  expect(parsed.ProcessType).toBe('Interactive')
  expect(parsed.SoftResourceLimits).toEqual({ NumberOfFiles: spec.numberOfFiles })
  expect(parsed.LimitLoadToSessionType).toEqual(['Aqua', 'Background'])
}

describe('renderAgentPlist', () => {
  test('golden file for a representative deployment', async () => {
    await expect(renderAgentPlist(CHAT)).toMatchFileSnapshot('../fixtures/plist/dev.fleet.chat.plist')
  })

  test('golden file for arguments and environment that need escaping', async () => {
    await expect(renderAgentPlist(ESCAPING)).toMatchFileSnapshot('../fixtures/plist/dev.fleet.escaping.plist')
  })

  test('plistlib reads back every field of the spec, and the fixed policy keys', () => {
    checkAgainstSpec(plistlib(renderAgentPlist(CHAT)), CHAT)
  })

  test('plistlib reads back &, <, quotes, non-ASCII, tabs and newlines exactly', () => {
    const xml = renderAgentPlist(ESCAPING)
    expect(xml).toContain('Tom &amp; Jerry say "hi" &amp; &lt;b&gt;bye&lt;/b&gt;')
    expect(xml).not.toContain('<b>')
    expect(xml).toContain('naïve 日本語 🦙') // UTF-8 as is, not as character references
    checkAgainstSpec(plistlib(xml), ESCAPING)
  })

  test('integers stay integers (launchd ignores a <real> ThrottleInterval)', () => {
    const xml = renderAgentPlist(CHAT)
    expect(xml).toContain('<key>ThrottleInterval</key>\n\t\t<integer>10</integer>')
    expect(xml).toContain('<key>NumberOfFiles</key>\n\t\t\t<integer>8192</integer>')
  })

  test('the environment renders in sorted order whatever order it was built in', () => {
    const reversed = { ...CHAT, env: Object.fromEntries(Object.entries(CHAT.env).reverse()) }
    expect(renderAgentPlist(reversed)).toBe(renderAgentPlist(CHAT))
  })

  test('the template is itself a plist plistlib accepts, with placeholder values', () => {
    const template = plistlib(readFileSync(AGENT_TEMPLATE_URL, 'utf8'))
    expect(template.Label).toBe('dev.fleet.DEPLOYMENT')
    expect(template.ProcessType).toBe('Interactive')
  })

  test.each([
    ['U+0001 in an argument', { args: ['a\u0001b'] }, /argument 1 contains the character U\+0001/],
    ['a carriage return in the environment', { env: { X: 'a\r\nb' } }, /environment variable X contains the character U\+000D/],
    ['an unpaired surrogate', { args: ['\uD83Dx'] }, /unpaired UTF-16 surrogate/],
    ['"=" in a variable name', { env: { 'A=B': '1' } }, /"A=B" is not a valid environment variable name/],
  ])('rejects what a plist cannot hold: %s', (_, change, message) => {
    expect(() => renderAgentPlist({ ...CHAT, ...change })).toThrow(UserError)
    expect(() => renderAgentPlist({ ...CHAT, ...change })).toThrow(message)
  })

  test.each([
    ['a relative program', { program: 'mlx_lm.server' }],
    ['a ~ path (launchd does not expand it)', { stdoutPath: '~/Library/Logs/fleet/chat.out.log' }],
    ['a label that is not dev.fleet.<deployment>', { label: 'dev.fleet.other' }],
    ['a fractional ThrottleInterval', { throttleSeconds: 1.5 }],
    ['zero open files', { numberOfFiles: 0 }],
  ])('a spec that breaks the contract is a fleet bug: %s', (_, change) => {
    expect(() => renderAgentPlist({ ...CHAT, ...change })).toThrow(InternalError)
  })
})

describe('parseAgentPlist', () => {
  test.each([CHAT, ESCAPING, { ...CHAT, args: [], env: {} }])('round trip: render then parse gives the spec back (%#)', (spec) => {
    expect(parseAgentPlist(renderAgentPlist(spec))).toEqual(spec)
  })

  test('reads a plist written by another tool (Apple layout, other key order, extra keys)', () => {
    const xml = `<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
<plist version="1.0">
<dict>
	<key>ExitTimeOut</key>
	<integer>20</integer>
	<key>Label</key>
	<string>dev.fleet.embed</string>
	<key>ProgramArguments</key>
	<array>
		<string>/opt/homebrew/bin/llama-server</string>
	</array>
	<key>EnvironmentVariables</key>
	<dict/>
	<key>WorkingDirectory</key>
	<string>/tmp</string>
	<key>StandardOutPath</key>
	<string>/tmp/o</string>
	<key>StandardErrorPath</key>
	<string>/tmp/e</string>
	<key>ThrottleInterval</key>
	<integer>10</integer>
	<key>SoftResourceLimits</key>
	<dict><key>NumberOfFiles</key><integer>4096</integer></dict>
	<key>Nice</key>
	<integer>-5</integer>
</dict>
</plist>`
    expect(parseAgentPlist(xml)).toMatchObject({ label: 'dev.fleet.embed', deployment: 'embed', program: '/opt/homebrew/bin/llama-server', args: [], exitTimeoutSeconds: 20, numberOfFiles: 4096 })
  })

  test.each([
    ['not XML', 'hello', /is not a valid XML property list/],
    ['another tool’s label', renderAgentPlist(CHAT).replace('dev.fleet.chat', 'homebrew.mxcl.ollama'), /does not start with dev\.fleet\./],
    ['a missing key', renderAgentPlist(CHAT).replace(/\t\t<key>ExitTimeOut<\/key>\n\t\t<integer>30<\/integer>\n/, ''), /it has no ExitTimeOut/],
    ['a wrong type', renderAgentPlist(CHAT).replace('<integer>10</integer>', '<string>10</string>'), /ThrottleInterval is not an integer/],
  ])('an installed plist fleet did not write is a UserError: %s', (_, xml, message) => {
    expect(() => parseAgentPlist(xml, '/Users/ada/Library/LaunchAgents/x.plist')).toThrow(message)
    expect(() => parseAgentPlist(xml)).toThrow(UserError)
  })
})

test('paths: ~/Library/LaunchAgents/<label>.plist and ~/Library/Logs/fleet/<deployment>.{out,err}.log', () => {
  expect(agentPlistPath(HOME, 'dev.fleet.chat')).toBe('/Users/ada/Library/LaunchAgents/dev.fleet.chat.plist')
  expect(agentLogPaths(HOME, 'chat')).toEqual({
    stdoutPath: '/Users/ada/Library/Logs/fleet/chat.out.log',
    stderrPath: '/Users/ada/Library/Logs/fleet/chat.err.log',
  })
})
