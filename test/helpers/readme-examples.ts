// README.md's shell examples as data: each ```bash block with the `<!-- readme-test: … -->`
// line above it, the commands in it with the output the README shows under each, and a
// runner that executes them in one bash session and compares what each command printed.
import { execFile } from 'node:child_process';

/** `run` blocks execute against a service started with `env`; `skip` blocks are excused. */
export type Marker =
  | { readonly kind: 'run'; readonly envText: string; readonly env: Readonly<Record<string, string>> }
  | { readonly kind: 'skip'; readonly reason: string };

export interface ShellBlock {
  /** 1-based line of the opening fence in the Markdown file. */
  readonly line: number;
  /** undefined when the line above the fence is not a readme-test marker. */
  readonly marker: Marker | undefined;
  /** The lines between the fences. */
  readonly lines: readonly string[];
}

export interface Step {
  /** 1-based line of the command's first line in the Markdown file. */
  readonly line: number;
  /** The command, continuation lines included. */
  readonly command: string;
  /** The `# ` lines right under the command, without the `# `: what it prints. */
  readonly shown: readonly string[];
}

const SHELL_FENCE = /^```(?:bash|sh|shell|console|zsh)\s*$/;
const MARKER = /^<!--\s*readme-test:\s*(run|skip)\b[,:]?\s*(.*?)\s*-->$/;

function parseMarker(line: string | undefined): Marker | undefined {
  const m = line === undefined ? null : MARKER.exec(line.trim());
  if (!m) return undefined;
  const rest = m[2] ?? '';
  if (m[1] === 'skip') return { kind: 'skip', reason: rest };
  const env: Record<string, string> = {};
  for (const pair of rest.split(/\s+/).filter((p) => p.length > 0)) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new Error(`readme-test: run takes NAME=value pairs, not ${JSON.stringify(pair)}`);
    env[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return { kind: 'run', envText: rest, env };
}

/** Every shell-language fenced block of `markdown`, in order, with its marker. */
export function shellBlocks(markdown: string): ShellBlock[] {
  const lines = markdown.split('\n');
  const blocks: ShellBlock[] = [];
  for (let i = 0; i < lines.length; i++) {
    const fence = lines[i] ?? '';
    if (!fence.startsWith('```')) continue;
    let end = i + 1;
    while (end < lines.length && !(lines[end] ?? '').startsWith('```')) end++;
    if (SHELL_FENCE.test(fence)) {
      let above = i - 1;
      while (above >= 0 && (lines[above] ?? '').trim() === '') above--;
      blocks.push({ line: i + 1, marker: parseMarker(lines[above]), lines: lines.slice(i + 1, end) });
    }
    i = end;
  }
  return blocks;
}

/**
 * The commands of a block. A `#` line directly under a command (or under its other shown
 * lines) is output the command prints; a `#` line after a blank line, or first in the
 * block, is an ordinary comment. A line ending in `\` continues on the next.
 */
export function steps(block: ShellBlock): Step[] {
  const out: Array<{ line: number; command: string; shown: string[] }> = [];
  let underCommand = false;
  for (let i = 0; i < block.lines.length; i++) {
    const text = block.lines[i] ?? '';
    if (text.trim() === '') {
      underCommand = false;
    } else if (text.startsWith('#')) {
      const last = out[out.length - 1];
      if (underCommand && last) last.shown.push(text.replace(/^# ?/, ''));
    } else {
      const first = i;
      const parts = [text];
      while ((block.lines[i] ?? '').endsWith('\\') && i + 1 < block.lines.length) parts.push(block.lines[++i] ?? '');
      out.push({ line: block.line + 1 + first, command: parts.join('\n'), shown: [] });
      underCommand = true;
    }
  }
  return out;
}

// What a shown line may leave open: `…` (or `...`) stands for any text, and an ISO 8601
// timestamp for any other one.
const PLACEHOLDER = /…|\.\.\.|\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?Z/g;
const TIMESTAMP = String.raw`\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?Z`;
const escapeRegExp = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Whether one printed line is what a shown line says, placeholders matching anything of their kind. */
export function matchesShown(shown: string, printed: string): boolean {
  let pattern = '';
  let from = 0;
  for (const m of shown.matchAll(PLACEHOLDER)) {
    pattern += escapeRegExp(shown.slice(from, m.index));
    pattern += m[0] === '…' || m[0] === '...' ? '.*?' : TIMESTAMP;
    from = m.index + m[0].length;
  }
  pattern += escapeRegExp(shown.slice(from));
  return new RegExp(`^${pattern}$`, 's').test(printed);
}

export interface Mismatch {
  readonly line: number;
  readonly command: string;
  readonly shown: readonly string[];
  readonly printed: readonly string[];
}

/** The steps whose printed output is not what is shown under them (nothing shown: nothing printed). */
export function mismatches(all: readonly Step[], printed: readonly string[]): Mismatch[] {
  return all.flatMap((step, i) => {
    const text = (printed[i] ?? '').replace(/\n+$/, '');
    const lines = text === '' ? [] : text.split('\n');
    const same = lines.length === step.shown.length && lines.every((l, j) => matchesShown(step.shown[j] ?? '', l));
    return same ? [] : [{ line: step.line, command: step.command, shown: step.shown, printed: lines }];
  });
}

const SEPARATOR = '\u001ereadme-step\u001e';

/**
 * Runs `all` in order in one bash process (so variables carry over, as in a reader's shell),
 * stderr merged into stdout as a terminal shows it; returns what each step printed.
 */
export function runSteps(
  all: readonly Step[],
  env: Readonly<Record<string, string>>,
  timeoutMs = 30_000,
): Promise<string[]> {
  const script = ['exec 2>&1', ...all.flatMap((s) => [s.command, String.raw`printf '\n\036readme-step\036\n'`])];
  return new Promise((resolve, reject) => {
    // The script ends with a printf, so bash fails only when killed (a command that fails
    // prints something, which is then compared like any other output).
    execFile('bash', ['--noprofile', '--norc', '-c', script.join('\n')], { env, timeout: timeoutMs }, (err, stdout) => {
      if (err) reject(new Error(`bash did not finish the README's commands: ${err.message}\n${stdout}`));
      else resolve(stdout.split(`\n${SEPARATOR}\n`).slice(0, all.length));
    });
  });
}
