// Writes schemas/fleet.schema.json. Kept as a script only to spare hand-escaping regexes in JSON;
// the committed JSON file is the source of truth that fleet loads, and a test checks it matches this script's output.
import { writeFileSync } from 'node:fs'

const SIZE = '^\\s*(\\d+(?:\\.\\d+)?)\\s*(B|KB|MB|GB|TB|KiB|MiB|GiB|TiB)?\\s*$'
const CONTEXT = '^\\s*(\\d+(?:\\.\\d+)?)\\s*([kKmM])?\\s*$'
const BANDWIDTH = '^\\s*(\\d+(?:\\.\\d+)?)\\s*(GB\\/s|TB\\/s)\\s*$'
const NAME = '^[a-z0-9][a-z0-9-_]{0,62}$'
const severities = ['error', 'warning', 'info', 'off']

const size = (description, examples) => ({
  description: `${description} A size: a number with a unit — GB = 10^9 bytes, GiB = 2^30 bytes (also B, KB, MB, TB, KiB, MiB, TiB) — or a plain number of bytes.`,
  examples,
  // Not oneOf: `pattern` only applies to strings and `minimum` only to numbers, so each bad value gets one error.
  type: ['string', 'integer'],
  pattern: SIZE,
  minimum: 0,
})
const context = (description) => ({
  description: `${description} Tokens: 32k = 32768 (k = 1024), 1M = 1048576, or a plain number.`,
  examples: ['32k', 8192, '128k'],
  type: ['string', 'integer'],
  pattern: CONTEXT,
  minimum: 1,
})
const args = { type: 'array', items: { type: 'string' }, description: 'Extra command-line arguments appended after the ones fleet builds.', examples: [['--log-level', 'DEBUG']] }
const port = { type: 'integer', minimum: 1, maximum: 65535, description: 'TCP port the server listens on. Two deployments on one machine cannot share a port.', examples: [8080] }
const bind = { type: 'string', minLength: 1, description: 'Address the server binds to. 127.0.0.1 keeps it private to the machine; 0.0.0.0 serves the network.', examples: ['127.0.0.1', '0.0.0.0'] }
const serviceManager = {
  enum: ['auto', 'launchd', 'process'],
  description: 'How apply runs servers: launchd (macOS), a fleet process supervisor (any OS), or auto (launchd on macOS, the supervisor elsewhere).',
  examples: ['auto'],
}
const hfCache = {
  type: 'string',
  minLength: 1,
  description: 'Hugging Face hub cache directory on that machine (default: $HF_HUB_CACHE, else $HF_HOME/hub, else ~/.cache/huggingface/hub).',
  examples: ['/Volumes/models/huggingface/hub'],
}

const engineOptions = {
  'mlx-lm': {
    type: 'object',
    additionalProperties: false,
    description: 'Options for mlx_lm.server.',
    properties: {
      promptCacheBytes: size("Upper bound on the server's prompt (KV) cache, passed as --prompt-cache-bytes.", ['8GiB']),
      promptCacheSize: { type: 'integer', minimum: 0, description: 'Maximum number of distinct KV caches kept (--prompt-cache-size, default 10).', examples: [10] },
      prefillStepSize: {
        type: 'integer',
        minimum: 1,
        description: 'Prompt tokens processed per step (--prefill-step-size, default 2048); smaller lowers peak memory at long context.',
        examples: [2048],
      },
      maxTokens: { type: 'integer', minimum: 1, description: 'Default maximum tokens per response (--max-tokens, default 512).', examples: [4096] },
      startingPort: {
        type: 'integer',
        minimum: 1024,
        maximum: 65000,
        description: "Across machines: the first port MLX's ring backend listens on (mlx.launch --starting-port, default 32323; one more per rank), or JACCL's coordinator port.",
        examples: [32323],
      },
      args,
    },
  },
  'llama.cpp': {
    type: 'object',
    additionalProperties: false,
    description: 'Options for llama-server.',
    properties: {
      flashAttention: { enum: ['on', 'off', 'auto'], description: 'Flash attention (-fa). A quantized V cache needs it on.', examples: ['on'] },
      batch: { type: 'integer', minimum: 1, description: 'Logical batch size (-b, default 2048).', examples: [2048] },
      ubatch: { type: 'integer', minimum: 1, description: 'Physical batch size (-ub, default 512); sizes the compute buffer and the sliding-window cache.', examples: [512] },
      kvUnified: { type: 'boolean', description: 'One KV pool shared by all slots (-kvu) instead of context ÷ parallel per slot.', examples: [false] },
      swaFull: { type: 'boolean', description: 'Full-size cache for sliding-window layers (--swa-full); costs memory, enables prompt-cache reuse.', examples: [false] },
      cacheRam: size(
        "Host-RAM prompt cache limit (--cache-ram): saved slot states a busy server keeps; 0 disables it. Default: the budget fleet plans (one full-context conversation per slot, at most llama-server's 8 GiB).",
        ['4GiB', 0],
      ),
      rpcPort: {
        type: 'integer',
        minimum: 1024,
        maximum: 65535,
        description: "Across machines: the port each worker's rpc-server listens on, on its address on the link (rpc-server -p, default 50052).",
        examples: [50052],
      },
      args,
    },
  },
  ollama: {
    type: 'object',
    additionalProperties: false,
    description: 'Options for ollama serve.',
    properties: {
      keepAlive: { type: 'string', description: 'How long the model stays loaded after a request (OLLAMA_KEEP_ALIVE); fleet pins it resident with "-1" by default.', examples: ['-1', '24h'] },
      flashAttention: { type: 'boolean', description: 'OLLAMA_FLASH_ATTENTION; a quantized KV cache needs it.', examples: [true] },
    },
  },
  'vllm-mlx': {
    type: 'object',
    additionalProperties: false,
    description: 'Options for vllm-mlx serve.',
    properties: {
      continuousBatching: { type: 'boolean', description: 'Serve requests with continuous batching (--continuous-batching).', examples: [true] },
      cacheMemory: size('Prefix-cache memory (--cache-memory-mb).', ['8GiB']),
      args,
    },
  },
  command: {
    type: 'object',
    additionalProperties: false,
    required: ['command'],
    description: 'A long-running program fleet supervises: Open WebUI, an API shim, a server fleet has no engine for.',
    properties: {
      command: {
        type: 'array',
        minItems: 1,
        items: { type: 'string', minLength: 1 },
        description: "Program and arguments. {port} is replaced by the deployment's port.",
        examples: [['open-webui', 'serve', '--port', '{port}']],
      },
      healthUrl: { type: 'string', description: 'URL that answers 2xx once the program is ready (default http://127.0.0.1:{port}/).', examples: ['http://127.0.0.1:{port}/health'] },
      env: { type: 'object', additionalProperties: { type: 'string' }, description: 'Environment variables for the program.', examples: [{ WEBUI_AUTH: 'False' }] },
      cwd: { type: 'string', description: 'Working directory.', examples: ['/opt/open-webui'] },
      memory: size("Memory the program uses, counted in the machine's budget.", ['2GB']),
    },
  },
}

const engineIds = Object.keys(engineOptions)
const kvByEngine = {
  'mlx-lm': ['f16', 'bf16'],
  'llama.cpp': ['f32', 'f16', 'bf16', 'q8_0', 'q4_0', 'q4_1', 'iq4_nl', 'q5_0', 'q5_1'],
  ollama: ['f16', 'q8_0', 'q4_0'],
  'vllm-mlx': ['f16', 'bf16'],
  command: ['f16'],
}

const engineSource = (engine, examples) => ({
  type: 'object',
  additionalProperties: false,
  minProperties: 1,
  maxProperties: 1,
  description: `Where ${engine}'s executable comes from: exactly one of path, brew or python. plan checks it; apply can install brew formulae and Python environments.`,
  examples,
  properties: {
    path: { type: 'string', minLength: 1, description: 'Absolute path of the executable on every machine that runs this engine.', examples: ['/opt/homebrew/bin/llama-server'] },
    brew: { type: 'string', minLength: 1, description: 'Homebrew formula that provides the executable.', examples: ['llama.cpp', 'ollama'] },
    python: {
      type: 'string',
      pattern: '^[A-Za-z0-9._-]+==[A-Za-z0-9.+!_-]+$',
      description: 'A pinned pip requirement; apply creates a Python virtual environment for it under ~/.fleet/venvs.',
      examples: ['mlx-lm==0.32.0', 'vllm-mlx==0.4.1'],
    },
  },
})

const ruleSetting = {
  description: 'A severity (error, warning, info, off), or { severity, value } to change the threshold too.',
  type: ['string', 'object'],
  if: { type: 'string' },
  then: { enum: severities },
  else: { additionalProperties: false, properties: { severity: { enum: severities }, value: { type: 'number', minimum: 0 } } },
}

const schema = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  $id: 'https://fleet.dev/schemas/fleet.schema.json',
  title: 'fleet.yaml',
  description: 'A fleet of Macs serving local LLMs: machines, models, deployments, memory rules. File format version 1.',
  type: 'object',
  additionalProperties: false,
  required: ['version', 'machines'],
  properties: {
    $schema: { type: 'string', description: 'Path or URL of this schema, for editors.', examples: ['./schemas/fleet.schema.json'] },
    version: { const: 1, description: 'File format version. Only 1 exists.', examples: [1] },
    defaults: {
      type: 'object',
      additionalProperties: false,
      description: 'Values used wherever a machine or deployment does not set its own.',
      properties: {
        reserve: size('Memory kept free on every machine for macOS and other apps (default 8GiB).', ['8GiB']),
        context: context('Context length of a deployment that sets none (default 8k).'),
        parallel: { type: 'integer', minimum: 1, maximum: 1024, description: 'Parallel request slots of a deployment that sets none (default 1).', examples: [1, 4] },
        bind: { ...bind, description: 'Bind address of a deployment that sets none (default 127.0.0.1).' },
        serviceManager,
        hfCache,
        restartThrottle: { type: 'integer', minimum: 1, maximum: 3600, description: 'Minimum seconds between two starts of a crashed server (launchd ThrottleInterval; default 10).', examples: [10] },
      },
    },
    engines: {
      type: 'object',
      additionalProperties: false,
      description: "Where each engine's executable comes from. Defaults: llama.cpp and ollama from Homebrew, mlx-lm and vllm-mlx from pinned pip packages.",
      properties: {
        'mlx-lm': engineSource('mlx-lm', [{ python: 'mlx-lm==0.32.0' }]),
        'llama.cpp': engineSource('llama.cpp', [{ brew: 'llama.cpp' }]),
        ollama: engineSource('ollama', [{ brew: 'ollama' }]),
        'vllm-mlx': engineSource('vllm-mlx', [{ python: 'vllm-mlx==0.4.1' }]),
      },
    },
    machines: {
      type: 'object',
      minProperties: 1,
      description: 'The Macs, by name.',
      propertyNames: { pattern: NAME },
      additionalProperties: {
        type: 'object',
        additionalProperties: false,
        required: ['chip', 'memory'],
        properties: {
          chip: {
            type: 'string',
            minLength: 1,
            description: "Chip id from fleet's catalog: m1, m1-pro, m1-max, m1-ultra, … m3-ultra, m4-max, m5-pro. Bandwidth, GPU cores and memory options come from the catalog.",
            examples: ['m3-ultra', 'm4-max', 'm2-ultra'],
          },
          memory: size("Installed unified memory as Apple sells it. Apple's memory sizes are binary, so here 512GB means 512 GiB (what `sysctl hw.memsize` reports); GiB means the same.", [
            '512GB',
            '128GB',
          ]),
          gpuCores: { type: 'integer', minimum: 1, description: 'GPU cores, for binned variants (e.g. M3 Ultra 60 or 80). Default: the variant that matches the memory.', examples: [80, 60] },
          bandwidth: { description: 'Memory bandwidth override, decimal GB/s as Apple quotes it.', examples: ['819GB/s'], type: ['string', 'number'], pattern: BANDWIDTH, exclusiveMinimum: 0 },
          host: {
            type: 'string',
            minLength: 1,
            pattern: '^[^-\\s][^\\s]*$',
            description: 'ssh target ([user@]host, or a Host alias of ~/.ssh/config); fleet runs the same fleet there over ssh. Omitted: this machine. No spaces, and not starting with "-".',
            examples: ['studio.local', 'admin@m2-ultra-1.local'],
          },
          fleetPath: {
            type: 'string',
            minLength: 1,
            description: 'The fleet program on that machine (with host:), when it is not `fleet` on the PATH of a non-interactive ssh session.',
            examples: ['/opt/homebrew/bin/fleet', '~/fleet/bin/fleet.js'],
          },
          reserve: size('Memory kept free for macOS and other apps on this machine.', ['24GB', '16GiB']),
          gpuWiredLimit: size("Raise the Metal GPU wired limit (iogpu.wired_limit_mb) to this size at boot. Omitted: macOS's default working set.", ['480GiB']),
          pools: {
            type: 'object',
            additionalProperties: false,
            description: "Optional memory pools that split this machine's budget by use; plan checks each pool separately. What is left after the reserve and the pools is unallocated.",
            properties: {
              weights: size('Memory for model weights, all deployments together.', ['72GiB']),
              kvCache: size('Memory for KV caches (context × slots), all deployments together.', ['24GiB']),
              buffers: size('Memory for engine working buffers (compute, output, prefill transients, runtime).', ['8GiB']),
            },
          },
          hfCache,
          serviceManager,
        },
      },
    },
    models: {
      type: 'object',
      description: 'The models, by name.',
      propertyNames: { pattern: NAME },
      additionalProperties: {
        type: 'object',
        additionalProperties: false,
        required: ['source'],
        properties: {
          source: {
            type: 'string',
            pattern: '^hf:[A-Za-z0-9][A-Za-z0-9._-]*/[A-Za-z0-9][A-Za-z0-9._-]*(@[A-Za-z0-9._/-]+)?$',
            description: 'Hugging Face repo, hf:org/name, optionally @branch, @tag or @commit. fleet.lock pins it to a commit.',
            examples: ['hf:mlx-community/Qwen3-32B-4bit', 'hf:bartowski/Llama-3.3-70B-Instruct-GGUF@main'],
          },
          quant: {
            type: 'string',
            minLength: 1,
            description: 'For GGUF repos, the quantization whose file(s) to use (Q4_K_M, Q8_0, …). For MLX repos, the quantization the repo holds (4bit, 8bit, mxfp4).',
            examples: ['Q4_K_M', '4bit'],
          },
          format: {
            enum: ['mlx', 'gguf', 'safetensors'],
            description: 'File format: mlx (MLX-quantized safetensors), gguf, or safetensors (unquantized Hugging Face weights). Default: inferred from quant and repo name, confirmed from the files.',
            examples: ['gguf'],
          },
          ropeScaling: {
            type: 'object',
            additionalProperties: false,
            required: ['type', 'factor'],
            description: 'Declares a context extension (e.g. YaRN) so contexts beyond the trained length are allowed.',
            properties: {
              type: { enum: ['yarn', 'linear', 'dynamic'], description: 'RoPE scaling method.', examples: ['yarn'] },
              factor: { type: 'number', minimum: 1, description: 'Scaling factor: usable context = trained context × factor.', examples: [4] },
            },
          },
        },
      },
    },
    deployments: {
      type: 'object',
      description: 'What runs where: model × machine × engine × port × context × parallel slots.',
      propertyNames: { pattern: NAME },
      additionalProperties: {
        type: 'object',
        additionalProperties: false,
        required: ['engine', 'port'],
        properties: {
          machine: { type: 'string', description: 'Machine (name under machines) that runs it.', examples: ['studio'] },
          machines: {
            type: 'array',
            minItems: 2,
            uniqueItems: true,
            items: { type: 'string' },
            description: 'Several machines that serve one model together (multi-machine placement; planned in a later version).',
            examples: [['ultra-1', 'ultra-2']],
          },
          model: { type: 'string', description: 'Model (name under models) it serves. Optional only for engine: command.', examples: ['qwen3-32b'] },
          engine: { enum: engineIds, description: 'mlx-lm (mlx_lm.server), llama.cpp (llama-server), ollama, vllm-mlx, or command (any program).', examples: ['mlx-lm', 'llama.cpp'] },
          port,
          bind,
          context: context('Context length. For llama.cpp it is per slot: fleet passes -c context × parallel. For mlx-lm it is the longest conversation planned per slot.'),
          parallel: { type: 'integer', minimum: 1, maximum: 1024, description: 'Parallel request slots (llama.cpp -np, mlx-lm --decode-concurrency, OLLAMA_NUM_PARALLEL).', examples: [1, 4] },
          parallelism: {
            enum: ['pipeline', 'tensor'],
            description:
              'How a deployment on several machines is split: pipeline (default; contiguous layer ranges, one hop per token) or tensor (mlx-lm only: heads and FFN columns split evenly, two all-reduces per layer; wants an RDMA link).',
            examples: ['pipeline'],
          },
          kvCache: {
            enum: ['f32', 'f16', 'bf16', 'q8_0', 'q4_0', 'q4_1', 'iq4_nl', 'q5_0', 'q5_1'],
            description: 'KV-cache element type. llama.cpp: all listed; ollama: f16, q8_0, q4_0; mlx-lm and vllm-mlx: f16 or bf16 (the activation dtype).',
            examples: ['f16', 'q8_0'],
          },
          options: { type: 'object', description: 'Engine-specific options; which keys are allowed depends on engine.' },
        },
        allOf: engineIds.map((id) => ({
          if: { properties: { engine: { const: id } }, required: ['engine'] },
          then: {
            properties: { options: { $ref: `#/$defs/options-${id}` }, kvCache: { enum: kvByEngine[id] } },
            ...(id === 'command' ? { required: ['options'] } : { required: ['model'] }),
          },
        })),
      },
    },
    links: {
      type: 'object',
      description:
        "How machines are connected, for deployments spread across several (machines: [a, b]). Decode speed adds each link's latency and transfer time; between two machines no link names fleet assumes 1 Gb Ethernet.",
      propertyNames: { pattern: NAME },
      additionalProperties: {
        type: 'object',
        additionalProperties: false,
        required: ['between', 'kind'],
        properties: {
          between: {
            type: 'array',
            items: { type: 'string', minLength: 1 },
            minItems: 2,
            maxItems: 2,
            uniqueItems: true,
            description: 'The two machines this link connects.',
            examples: [['ultra-a', 'ultra-b']],
          },
          kind: {
            enum: ['thunderbolt5-rdma', 'thunderbolt5', 'thunderbolt4', 'ethernet-10g', 'ethernet-1g'],
            description:
              'thunderbolt5-rdma: RDMA over Thunderbolt 5 (macOS 26.2+, MLX JACCL); thunderbolt5 / thunderbolt4: IP over Thunderbolt; ethernet-10g / ethernet-1g. Sets the default bandwidth and latency (docs/distributed.md).',
            examples: ['thunderbolt5-rdma', 'ethernet-10g'],
          },
          bandwidth: {
            description: 'Measured bandwidth of the link, decimal GB/s, instead of the line rate.',
            examples: ['4GB/s'],
            type: ['string', 'number'],
            pattern: BANDWIDTH,
            exclusiveMinimum: 0,
          },
          addresses: {
            type: 'object',
            description: "Each machine's IP address on this link: the hostfile's ips, which MLX's ring backend and llama.cpp's RPC connect to. Omitted: the machine's host.",
            additionalProperties: { type: 'string', minLength: 1 },
            examples: [{ 'ultra-a': '169.254.10.1', 'ultra-b': '169.254.10.2' }],
          },
          rdmaDevices: {
            type: 'object',
            description: "Each machine's RDMA device toward the other on this link (the name ibv_devices lists, e.g. rdma_en3): the JACCL hostfile's rdma entries, needed for thunderbolt5-rdma.",
            additionalProperties: { type: 'string', pattern: '^[A-Za-z0-9_.-]+$' },
            examples: [{ 'ultra-a': 'rdma_en3', 'ultra-b': 'rdma_en3' }],
          },
        },
      },
    },
    rules: {
      type: 'object',
      additionalProperties: false,
      description: "Plan rules: change a rule's severity or threshold.",
      properties: {
        maxMemoryFraction: {
          type: 'number',
          exclusiveMinimum: 0,
          maximum: 1,
          description: "Shorthand for memory-fraction's threshold: planned memory above this fraction of RAM warns (default 0.8).",
          examples: [0.8],
        },
        minDecodeTokensPerSecond: { type: 'number', minimum: 0, description: "Shorthand for min-decode-speed's threshold in tokens/s at full context (default 8).", examples: [8] },
        fitOn: {
          enum: ['peak', 'load'],
          description:
            'Which memory figure the fit rules judge: peak (default) includes the caches a busy server fills lazily (prompt caches, --cache-ram, prefill transients); load counts only what is allocated at start-up, for setups that cap or disable those caches.',
          examples: ['peak'],
        },
        'fits-in-budget': { ...ruleSetting, examples: ['error'] },
        'memory-fraction': { ...ruleSetting, examples: [{ severity: 'warning', value: 0.8 }] },
        headroom: { ...ruleSetting, examples: [{ value: 0.8 }] },
        'min-decode-speed': { ...ruleSetting, examples: [{ value: 8 }] },
        'chat-speed': { ...ruleSetting, examples: [{ severity: 'info', value: 15 }] },
        'context-exceeds-model': { ...ruleSetting, examples: ['error'] },
        'wired-limit-needed': { ...ruleSetting, examples: ['warning'] },
        'disk-space': { ...ruleSetting, examples: ['error'] },
      },
    },
  },
  $defs: Object.fromEntries(engineIds.map((id) => [`options-${id}`, engineOptions[id]])),
}

const out = JSON.stringify(schema, null, 2) + '\n'
if (process.argv[2] === '--print') process.stdout.write(out)
else writeFileSync(new URL('../schemas/fleet.schema.json', import.meta.url), out)
