/** The one process runner, on real programs: results as data, input on stdin, a missing program, an abort. */
import { describe, expect, it } from 'vitest'
import { describeFailure, runProgram } from '../../src/process/run.ts'

const node = process.execPath

describe('runProgram', () => {
  it('returns exit code and output of a failing program instead of throwing', async () => {
    const r = await runProgram(node, ['-e', 'process.stdout.write("out"); process.stderr.write("err"); process.exit(3)'])
    expect(r).toEqual({ exitCode: 3, stdout: 'out', stderr: 'err' })
    expect(describeFailure(node, ['-e', '…'], r)).toBe(`\`${node} -e …\` failed with exit 3: err`)
  })

  it('passes input on stdin (sudo tee gets its file this way), and closes stdin otherwise', async () => {
    expect((await runProgram(node, ['-e', 'process.stdin.pipe(process.stdout)'], { input: 'plist' })).stdout).toBe('plist')
    expect((await runProgram(node, ['-e', 'process.stdin.on("data", () => {}).on("end", () => process.stdout.write("closed"))'])).stdout).toBe('closed')
  })

  it('reports a program that cannot start as exit 127 with the reason', async () => {
    const r = await runProgram('/nonexistent/fleet-no-such-program', [])
    expect(r.exitCode).toBe(127)
    expect(r.stderr).toMatch(/ENOENT|not found|no-such-program/)
  })

  it('an abort stops the program and throws', async () => {
    const controller = new AbortController()
    const running = runProgram(node, ['-e', 'setTimeout(() => {}, 30000)'], { signal: controller.signal })
    setTimeout(() => controller.abort(new Error('interrupted')), 50)
    await expect(running).rejects.toThrow('interrupted')
  })
})
