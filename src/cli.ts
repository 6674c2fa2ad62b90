// Thin: parses arguments and calls one library function per command. Each file in src/cli/
// registers its commands; heavy libraries (TensorFlow.js, the platform) load inside actions so
// that `--help` stays instant.
import { Command, CommanderError } from 'commander';
import { errorResponse } from './errors.js';

const COMMAND_MODULES = ['./cli/ml.js', './cli/platform.js', './cli/bench.js', './cli/targets.js', './cli/study.js'];

export async function main(argv: string[]): Promise<void> {
  const program = new Command('faasml')
    .description('Train and serve machine-learning models as serverless functions, and measure how well that works')
    .version('0.1.0')
    .showHelpAfterError()
    .exitOverride();
  for (const path of COMMAND_MODULES) {
    const mod = (await import(path)) as { register: (p: Command) => void };
    mod.register(program);
  }
  try {
    await program.parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) process.exit(err.exitCode);
    const { statusCode, body } = errorResponse(err);
    const detail = body.detail === undefined ? '' : `: ${typeof body.detail === 'string' ? body.detail : JSON.stringify(body.detail)}`;
    process.stderr.write(`faasml: ${statusCode === 500 ? body.detail ?? body.error : body.error + detail}\n`);
    if (process.env.FAASML_DEBUG && err instanceof Error) process.stderr.write(`${err.stack}\n`);
    process.exit(1);
  }
}
