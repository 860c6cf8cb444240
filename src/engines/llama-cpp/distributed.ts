/**
 * llama.cpp across machines, over ggml's RPC backend (ggml-org/llama.cpp tools/rpc/README.md and rpc-server.cpp):
 * every worker runs `rpc-server -H ADDR -p PORT -c` (-H/--host, default 127.0.0.1; -p/--port, default 50052; -c keeps
 * a local cache of the tensors it is sent, so a restarted head does not send the weights again), and the head runs
 * llama-server with `--rpc ADDR:PORT,…`. RPC devices are listed before the head's own GPU, so `--tensor-split` is in
 * that order (workers in fleet.yaml order, then the head), and `-ngl 999` offloads every layer to the devices the
 * split names. rpc-server is unauthenticated and runs any graph it is sent: fleet binds it to the worker's address on
 * the cluster link only. Homebrew's llama.cpp is built on a ggml without GGML_RPC, so it has neither; the release
 * builds have both. Pure.
 */
import type { EngineInputs, EngineLaunch } from '../types.ts'
import { llamaCppLaunch } from './launch.ts'

export interface RpcEndpoint {
  readonly machine: string
  readonly host: string
  readonly port: number
}

/** A worker's service: rpc-server on its link address. Ready when the port accepts connections. */
export function rpcServerLaunch(program: string, endpoint: RpcEndpoint): EngineLaunch {
  return {
    program,
    args: ['-H', endpoint.host, '-p', String(endpoint.port), '-c'],
    env: {},
    readiness: { kind: 'tcp', host: endpoint.host, port: endpoint.port },
    warmup: null,
  }
}

/** --tensor-split takes proportions; whole MiB of each device's free budget keep the argv stable and readable. */
export function tensorSplitArg(split: readonly number[]): string {
  return split.map((share) => String(Math.max(0, Math.round(share)))).join(',')
}

/** The head: llama-server with its workers and the plan's split. */
export function llamaRpcHeadLaunch(inputs: EngineInputs, workers: readonly RpcEndpoint[], tensorSplit: readonly number[]): EngineLaunch {
  return llamaCppLaunch(inputs, ['--rpc', workers.map((w) => `${w.host}:${w.port}`).join(','), '--tensor-split', tensorSplitArg(tensorSplit), '-ngl', '999'])
}
