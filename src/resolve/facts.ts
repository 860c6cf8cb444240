/**
 * Everything the planner needs to know about one model, wherever it came from: the lock (offline, reviewed in git),
 * the Hub (metadata only: config.json, safetensors headers, GGUF headers), or fleet's built-in catalog.
 */
import type { ModelFormat } from '../catalog/engines.ts'
import type { Architecture } from '../model/architecture.ts'

export interface WeightFile {
  readonly path: string
  /** Bytes of the file on disk (what a download costs). */
  readonly bytes: number
  /** sha256 of the content, for LFS/Xet files (the Hub's lfs.oid; the blob's name in the HF cache). */
  readonly sha256: string | null
  /** Git blob sha1 (for LFS files, of the pointer); the blob's name in the HF cache for regular files. */
  readonly gitOid: string
}

/** The name the Hugging Face cache gives a file's blob: sha256 for LFS/Xet files, the git blob sha1 otherwise. */
export function blobName(file: WeightFile): string {
  return file.sha256 ?? file.gitOid
}

export interface WeightFacts {
  /** Bytes of tensor data the engine loads (what memory costs). */
  readonly totalBytes: number
  /** Bytes read per decoded token: all but the routed experts, plus the share of experts a token uses. */
  readonly activeBytesPerToken: number
  /** 'files': summed from the real tensor tables; 'computed': from the architecture's shapes and the quant layout. */
  readonly basis: 'files' | 'computed'
  /** Files the engine loads (empty when computed from the catalog). */
  readonly files: readonly WeightFile[]
}

export type FactsSource = 'lock' | 'hub' | 'catalog'

export interface ModelFacts {
  readonly repo: string
  /** The revision as requested (branch, tag or commit), or null for the default branch. */
  readonly revision: string | null
  /** The commit it resolved to; null when sized from the catalog without the Hub. */
  readonly commit: string | null
  readonly format: ModelFormat
  /** The quantization as fleet names it: a GGUF file type (Q4_K_M), an MLX recipe (4bit, mxfp4-q8) or a dtype (bf16). */
  readonly quant: string
  /**
   * Null when the files lack what a cache estimate needs (a GGUF without block_count, …): the weights are still known,
   * the KV cache and buffers are not, and `notes` says why.
   */
  readonly architecture: Architecture | null
  /** What fleet assumed or could not check while reading the architecture, each naming the key and the file. */
  readonly notes?: readonly string[]
  readonly weights: WeightFacts
  /** Where these facts were read this time. */
  readonly source: FactsSource
  /** Where the architecture came from, for a reviewer: a Hub URL at a commit or the catalog's citation. */
  readonly citation: string
}
