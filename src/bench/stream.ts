/**
 * One streamed completion against a server's OpenAI-compatible API (POST /v1/completions with stream: true, as
 * llama-server, mlx_lm.server, vllm-mlx and Ollama serve it), timed the way people benchmark: the time to the first
 * token from sending the request, and decode speed from the first token to the last (so prefill is not in it). The
 * token count is the server's own (`usage.completion_tokens`, asked for with stream_options.include_usage), else the
 * number of chunks that carried text. An adapter (HTTP).
 */
export interface StreamRequest {
  readonly url: string
  readonly model: string
  readonly prompt: string
  readonly maxTokens: number
  readonly timeoutMs: number
  readonly signal?: AbortSignal
}

export type StreamResult =
  | {
      readonly ok: true
      readonly ttftSeconds: number
      /** Null when fewer than two tokens came back (no interval to time). */
      readonly decodeTokensPerSecond: number | null
      readonly completionTokens: number
      /** The server's count of the prompt's tokens, when it says. */
      readonly promptTokens: number | null
    }
  | { readonly ok: false; readonly reason: string }

export async function streamCompletion(request: StreamRequest, now: () => number = () => performance.now()): Promise<StreamResult> {
  const started = now()
  const signals = [AbortSignal.timeout(request.timeoutMs), ...(request.signal ? [request.signal] : [])]
  let response: Response
  try {
    response = await fetch(request.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
      body: JSON.stringify({ model: request.model, prompt: request.prompt, max_tokens: request.maxTokens, temperature: 0, stream: true, stream_options: { include_usage: true }, ignore_eos: true }),
      signal: AbortSignal.any(signals),
    })
  } catch (error) {
    return { ok: false, reason: `POST ${request.url}: ${(error as Error).message}` }
  }
  if (!response.ok || !response.body) {
    const text = await response.text().catch(() => '')
    return { ok: false, reason: `POST ${request.url} answered ${response.status} ${text.slice(0, 200)}` }
  }
  let first: number | null = null
  let last: number | null = null
  let chunks = 0
  let usage: { prompt_tokens?: number; completion_tokens?: number } | null = null
  let buffer = ''
  const decoder = new TextDecoder()
  try {
    for await (const piece of response.body) {
      buffer += decoder.decode(piece as Uint8Array, { stream: true })
      let newline = buffer.indexOf('\n')
      while (newline >= 0) {
        const line = buffer.slice(0, newline).trim()
        buffer = buffer.slice(newline + 1)
        newline = buffer.indexOf('\n')
        if (!line.startsWith('data:')) continue
        const data = line.slice(5).trim()
        if (data === '[DONE]') continue
        let event: { choices?: { text?: string }[]; usage?: { prompt_tokens?: number; completion_tokens?: number } | null }
        try {
          event = JSON.parse(data) as typeof event
        } catch {
          continue
        }
        if (event.usage) usage = event.usage
        const text = event.choices?.[0]?.text
        if (typeof text === 'string' && text !== '') {
          const t = now()
          first ??= t
          last = t
          chunks += 1
        }
      }
    }
  } catch (error) {
    return { ok: false, reason: `the stream from ${request.url} broke off: ${(error as Error).message}` }
  }
  if (first === null || last === null) return { ok: false, reason: `${request.url} streamed no tokens` }
  const tokens = usage?.completion_tokens ?? chunks
  return {
    ok: true,
    ttftSeconds: (first - started) / 1000,
    decodeTokensPerSecond: tokens > 1 && last > first ? ((tokens - 1) * 1000) / (last - first) : null,
    completionTokens: tokens,
    promptTokens: usage?.prompt_tokens ?? null,
  }
}
