/**
 * mlx-lm across machines, the way mlx-lm documents distributed serving: `mlx.launch` (mlx, python/mlx/_distributed_utils/
 * launch.py @043db3d) reads a JSON hostfile, starts one `mlx_lm.server` per rank — rank 0 in place when its `ssh` is the
 * literal 127.0.0.1, every other rank through `ssh -tt HOST` with a script that exports the hostfile's `envs`, MLX_RANK
 * and the backend's files (ring: MLX_HOSTFILE, each rank's ip:port from --starting-port up, one per rank and ip; JACCL:
 * MLX_IBV_DEVICES and MLX_JACCL_COORDINATOR = rank 0's first ip : starting port), then `exec`s the command. A command
 * that is a file becomes `--python SCRIPT` (the launcher's own interpreter), so every rank needs mlx-lm at the same path.
 * When any rank exits with an error the launcher stops all others. mlx_lm.server (server.py main) splits the model with
 * `--pipeline` (contiguous layer ranges) or else by tensor parallelism (`shard()`), and only rank 0 serves HTTP.
 * Pure: the hosts come from src/plan/ranks.ts.
 */
import { dirname, join } from 'node:path'
import type { EngineInputs, EngineLaunch } from '../types.ts'
import { mlxLmServerLaunch } from './launch.ts'

/** One rank of the hostfile, as Hostfile.from_file reads it: {"ssh", "ips", "rdma"}. */
export interface MlxHostfileHost {
  readonly ssh: string
  readonly ips: readonly string[]
  /** JACCL: the RDMA device toward each rank (null toward itself); empty for the ring backend. */
  readonly rdma: readonly (string | null)[]
}

export interface MlxHostfile {
  readonly backend: 'ring' | 'jaccl'
  /** Set on every rank before the command runs (mlx.launch adds them to --env). */
  readonly envs: readonly string[]
  readonly hosts: readonly MlxHostfileHost[]
}

/**
 * Ranks find the model in their own Hugging Face cache (each machine pulled it there), never on the network: the
 * remote ranks get only these variables and their ssh login environment, not the head's service environment.
 */
export const MLX_RANK_ENVS = ['HF_HUB_OFFLINE=1', 'HF_HUB_DISABLE_TELEMETRY=1'] as const

/** The hostfile's text: what mlx.launch --hostfile parses (a JSON object; key order as in Hostfile.to_json). */
export function renderMlxHostfile(hostfile: MlxHostfile): string {
  return `${JSON.stringify({ backend: hostfile.backend, envs: hostfile.envs, hosts: hostfile.hosts.map((h) => ({ ssh: h.ssh, ips: h.ips, rdma: h.rdma })) }, null, 2)}\n`
}

/** mlx.launch is a console script of the mlx package, installed next to mlx_lm.server in the same environment. */
export function mlxLaunchProgram(serverExecutable: string): string {
  return join(dirname(serverExecutable), 'mlx.launch')
}

export interface MlxDistributedPlan {
  readonly hostfilePath: string
  readonly backend: 'ring' | 'jaccl'
  readonly pipeline: boolean
  readonly startingPort: number
}

/**
 * The head's service: mlx.launch running mlx_lm.server on every rank. The model is named by repo id, so each rank
 * resolves it in its own cache (HF_HUB_OFFLINE, refs/<revision> written by fleet's pull); rank 0's readiness and
 * warm-up are the single-machine server's, on the head's port, and answer only once every rank has joined.
 */
export function mlxDistributedLaunch(inputs: EngineInputs, repo: string, plan: MlxDistributedPlan): EngineLaunch {
  const server = mlxLmServerLaunch(inputs, repo)
  return {
    ...server,
    program: mlxLaunchProgram(inputs.executable),
    args: ['--hostfile', plan.hostfilePath, '--backend', plan.backend, '--starting-port', String(plan.startingPort), '--', inputs.executable, ...server.args, ...(plan.pipeline ? ['--pipeline'] : [])],
  }
}
