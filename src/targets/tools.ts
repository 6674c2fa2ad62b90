// External deployment tools (az, func, faas-cli): found on PATH and run with inherited output,
// or, when missing, a clear error that carries the exact commands to run elsewhere.
import { spawn } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

/** The full path of an executable on PATH, or null. */
export function findOnPath(tool: string, path = process.env.PATH ?? ''): string | null {
  const exts = process.platform === 'win32' ? ['.exe', '.cmd', ''] : [''];
  for (const dir of path.split(delimiter)) {
    if (!dir) continue;
    for (const ext of exts) {
      const file = join(dir, tool + ext);
      try {
        accessSync(file, constants.X_OK);
        return file;
      } catch {
        /* not here */
      }
    }
  }
  return null;
}

/** A deployment step: a program and its arguments, printable as a shell line. */
export interface ToolCommand {
  tool: string;
  args: string[];
  cwd?: string;
}

function quote(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}

export function commandLine(c: ToolCommand): string {
  const line = [c.tool, ...c.args].map(quote).join(' ');
  return c.cwd ? `(cd ${quote(c.cwd)} && ${line})` : line;
}

/**
 * The tool is not installed. Not a caller's mistake (no typed error): the CLI prints the
 * message, which carries the commands, and exits 1.
 */
export class ToolMissingError extends Error {
  constructor(
    readonly tool: string,
    readonly commands: ToolCommand[],
    installHint: string,
  ) {
    super(
      `${tool} is not installed (not found on PATH); ${installHint}. Run these commands where it is installed:\n` +
        commands.map((c) => `  ${commandLine(c)}`).join('\n'),
    );
  }
}

/** Runs the commands one after another, output to the terminal; throws on the first failure. */
export async function runCommands(commands: ToolCommand[]): Promise<void> {
  for (const c of commands) {
    const code = await new Promise<number>((ok, fail) => {
      const child = spawn(c.tool, c.args, { cwd: c.cwd, stdio: ['ignore', 'inherit', 'inherit'] });
      child.once('error', fail);
      child.once('exit', (status, signal) => ok(status ?? (signal ? 1 : 0)));
    });
    if (code !== 0) throw new Error(`${commandLine(c)} failed with exit code ${code}`);
  }
}
