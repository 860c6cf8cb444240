import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { type TestHub, startTestHub } from '../../test/support/hub-server.ts'
import { type HubFetchOptions, hubFetch } from './http.ts'

const TOKEN = 'hf_http_test_token'
let hub: TestHub
let sameOrigin: TestHub

const repos = [
  {
    id: 'org/m',
    commits: [
      {
        files: [
          { path: 'w.gguf', content: 'weights' },
          { path: 'a.txt', content: 'a' },
        ],
      },
    ],
  },
]

beforeAll(async () => {
  hub = await startTestHub({ repos, token: TOKEN })
  sameOrigin = await startTestHub({ repos, token: TOKEN, cdn: 'same-origin' })
})
afterAll(async () => {
  await Promise.all([hub.close(), sameOrigin.close()])
})
afterEach(() => {
  hub.requests.length = 0
  sameOrigin.requests.length = 0
  hub.clearFaults()
})

const options = (over: Partial<HubFetchOptions> = {}): HubFetchOptions => ({ endpoint: hub.url, token: TOKEN, sleep: async () => {}, ...over })

describe('hubFetch', () => {
  it('sends the token and a fleet User-Agent to the Hub, and keeps it on a same-origin redirect', async () => {
    const response = await hubFetch(`${sameOrigin.url}/org/m/resolve/main/w.gguf`, {}, options({ endpoint: sameOrigin.url }))
    expect(await response.text()).toBe('weights')
    expect(sameOrigin.requests.map((r) => [r.path.replace(/\?.*/, ''), r.auth])).toEqual([
      ['/org/m/resolve/main/w.gguf', true],
      [expect.stringMatching(/^\/cdn\//), true],
    ])
  })

  it('never sends an Authorization header given in init, nor the token to another origin', async () => {
    const response = await hubFetch(`${hub.url}/org/m/resolve/main/a.txt`, { headers: { Authorization: 'Bearer stolen' } }, options({ token: undefined }))
    expect(await response.text()).toBe('a')
    expect(hub.requests.map((r) => r.auth)).toEqual([false])
    await (await hubFetch(`${hub.cdnUrl}/cdn/${'0'.repeat(64)}`, {}, options({ acceptStatus: [404] }))).text()
    expect(hub.requests.at(-1)).toMatchObject({ server: 'cdn', auth: false })
  })

  it('passes the caller abort reason through, even while waiting to retry', async () => {
    hub.addFault({ match: { path: '/api/models/org/m' }, kind: 'status', status: 503, times: Infinity })
    const controller = new AbortController()
    const reason = new Error('user pressed ^C')
    const sleep = async (): Promise<void> => {
      controller.abort(reason)
      throw new Error('sleep aborted')
    }
    await expect(hubFetch(`${hub.url}/api/models/org/m`, {}, options({ signal: controller.signal, sleep }))).rejects.toBe(reason)
  })

  it('reports retries through onRetry without the token', async () => {
    hub.addFault({ match: { path: '/api/models/org/m' }, kind: 'status', status: 504 })
    const events: unknown[] = []
    await hubFetch(`${hub.url}/api/models/org/m`, {}, options({ random: () => 0, onRetry: (e) => events.push(e) }))
    expect(events).toEqual([{ attempt: 1, delayMs: 250, reason: 'HTTP 504' }])
  })
})
