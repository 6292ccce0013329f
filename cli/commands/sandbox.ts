import type { Command } from 'commander';
import { down, load, status, stopLoad, up } from '../../sandbox/sandbox';
import { EXIT } from '../exit';

const print = (lines: string[]) => process.stdout.write(`${lines.join('\n')}\n`);
const log = (line: string) => process.stderr.write(`${line}\n`);

export function registerSandbox(program: Command): void {
  const sandbox = program.command('sandbox').description('the local stand-in for a segmented AWS estate: Temporal dev server, moto (+ drctl extension), PostgreSQL, seeded demo platform');
  const dirOpt = ['--dir <dir>', 'sandbox folder (default .drctl/sandbox, or $DRCTL_SANDBOX_DIR)'] as const;
  const dirOf = (o: { dir?: string }) => o.dir ?? process.env.DRCTL_SANDBOX_DIR;

  sandbox
    .command('up')
    .description('install what is missing, start the servers on 127.0.0.1 and seed the demo platform (reuses a running sandbox)')
    .option(...dirOpt)
    .option('--temporal-port <port>', 'Temporal frontend port (default: a free one)', Number)
    .option('--moto-port <port>', 'moto port (default: a free one)', Number)
    .option('--pg-port <port>', 'PostgreSQL port (default: a free one)', Number)
    .option('--time-scale <x>', 'scale every simulated long-running operation (1 = a few seconds)', Number, 1)
    .option('--no-seed', 'do not seed the demo platform')
    .option('--load', 'also keep a small write load on the production databases')
    .option('--no-worker', 'do not run the drctl worker for the default task queues')
    .action(async (o: { dir?: string; temporalPort?: number; motoPort?: number; pgPort?: number; timeScale: number; seed: boolean; load?: boolean; worker: boolean }) => {
      const r = await up({ dir: dirOf(o), ports: { temporal: o.temporalPort, moto: o.motoPort, postgres: o.pgPort }, timeScale: o.timeScale, seed: o.seed, load: o.load, worker: o.worker, log });
      print(r.summary);
    });

  sandbox
    .command('down')
    .description('stop every sandbox process (data stays in the folder for the next `up`)')
    .option(...dirOpt)
    .action(async (o: { dir?: string }) => {
      const r = await down(dirOf(o), { log });
      print(r.summary);
      if (r.stopped.some((s) => !s.gone)) process.exitCode = EXIT.failed;
    });

  sandbox
    .command('status')
    .description('show each sandbox server and whether it answers')
    .option(...dirOpt)
    .action(async (o: { dir?: string }) => {
      const r = await status(dirOf(o));
      print(r.summary);
      if (!r.up) process.exitCode = EXIT.failed;
    });

  sandbox
    .command('load')
    .description('start (or with --stop, stop) the write load on the production databases')
    .option(...dirOpt)
    .option('--interval <ms>', 'milliseconds between writes', Number)
    .option('--stop', 'stop it')
    .action(async (o: { dir?: string; interval?: number; stop?: boolean }) => {
      print((o.stop ? await stopLoad(dirOf(o)) : await load(dirOf(o), { intervalMs: o.interval })).summary);
    });
}
