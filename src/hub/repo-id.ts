import { UserError } from '../errors.ts'

const SEGMENT = /^[A-Za-z0-9._-]+$/
const COMMIT_SHA = /^[0-9a-f]{40}$/

/** True for a full 40-hex git commit id (what `refs/<branch>` files and `snapshots/<sha>` directories hold). */
export function isCommitSha(value: string): boolean {
  return COMMIT_SHA.test(value)
}

/**
 * Accepts `org/name` only. The rules follow huggingface_hub's `validate_repo_id` (no `--` or `..`, no leading or trailing
 * `-`/`.`, at most 96 characters): `--` is the separator in cache folder names (`models--org--name`), and a `..`
 * segment would escape the cache once the id becomes a path.
 */
export function validateRepoId(repo: string): string {
  const segments = repo.split('/')
  const problem =
    segments.length !== 2
      ? 'must look like "org/name"'
      : repo.length > 96
        ? 'is longer than 96 characters'
        : segments.some((s) => !SEGMENT.test(s))
          ? 'may only contain letters, digits, ".", "_" and "-" around one "/"'
          : repo.includes('--') || repo.includes('..')
            ? 'may not contain "--" or ".."'
            : segments.some((s) => /^[-.]|[-.]$/.test(s))
              ? 'may not start or end a part with "-" or "."'
              : undefined
  if (problem !== undefined) {
    throw new UserError(`Invalid Hugging Face repo id "${printable(repo)}": it ${problem}`, {
      hint: 'Write it as on the model page, e.g. mlx-community/Qwen3-8B-4bit.',
    })
  }
  return repo
}

export function validateRevision(revision: string): string {
  // Branch names may contain "/" (e.g. refs/pr/1), so only emptiness and control characters are rejected here.
  if (revision === '' || /[\u0000-\u001f\u007f]/.test(revision)) {
    throw new UserError(`Invalid revision "${printable(revision)}"`, { hint: 'Use a branch, a tag or a 40-hex commit sha.' })
  }
  return revision
}

/** Encodes a repo file path segment by segment, keeping its "/" separators. */
export function encodePath(path: string): string {
  return path.split('/').map(encodeURIComponent).join('/')
}

/** Escapes control characters so a hostile name cannot rewrite the terminal when printed. */
export function printable(text: string): string {
  return JSON.stringify(text).slice(1, -1)
}

/** URL builders; every variable part is percent-encoded (a revision like `refs/pr/1` is one path segment). */
export const hubUrls = {
  modelInfo: (endpoint: string, repo: string, revision?: string): string =>
    revision === undefined ? `${endpoint}/api/models/${repo}` : `${endpoint}/api/models/${repo}/revision/${encodeURIComponent(revision)}`,
  tree: (endpoint: string, repo: string, revision: string): string => `${endpoint}/api/models/${repo}/tree/${encodeURIComponent(revision)}?recursive=true&expand=false`,
  resolve: (endpoint: string, repo: string, revision: string, path: string): string => `${endpoint}/${repo}/resolve/${encodeURIComponent(revision)}/${encodePath(path)}`,
  modelPage: (endpoint: string, repo: string): string => `${endpoint}/${repo}`,
}
