// The edgelat command line. The only module that touches argv, stdout and files.
import { EdgelatError } from "../errors.js";

export interface CommandIO {
  out: (text: string) => void;
  err: (text: string) => void;
}

/** A subcommand: parses its own args and returns an exit code. */
export interface Command {
  summary: string;
  usage: string;
  run(args: string[], io: CommandIO): Promise<number>;
}

// Each command lives in its own module, loaded on demand.
const commands: Record<string, () => Promise<Command>> = {
  devices: async () => (await import("./devices.js")).command,
  eval: async () => (await import("./eval.js")).command,
  fuse: async () => (await import("./fuse.js")).command,
  inspect: async () => (await import("./inspect.js")).command,
  predict: async () => (await import("./predict.js")).command,
  profile: async () => (await import("./profile.js")).command,
  validate: async () => (await import("./validate.js")).command,
  report: async () => (await import("./report.js")).command,
};

function help(): string {
  const lines = Object.keys(commands).sort().map((name) => `  ${name}`);
  return `edgelat — predict neural-network latency on edge devices\n\nUsage: edgelat <command> [options]\n\nCommands:\n${lines.join("\n")}\n\nRun 'edgelat <command> --help' for details.`;
}

export async function main(argv: string[], io: CommandIO): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === "--help" || name === "-h" || name === "help") {
    io.out(help());
    return name === undefined ? 1 : 0;
  }
  const load = commands[name];
  if (load === undefined) {
    io.err(`edgelat: unknown command '${name}'\n\n${help()}`);
    return 2;
  }
  const command = await load();
  if (rest.includes("--help") || rest.includes("-h")) {
    io.out(`${command.summary}\n\nUsage: ${command.usage}`);
    return 0;
  }
  try {
    return await command.run(rest, io);
  } catch (e) {
    if (e instanceof EdgelatError) {
      io.err(`edgelat ${name}: error [${e.code}]: ${e.message}`);
      return 1;
    }
    throw e;
  }
}

const isEntry = typeof process !== "undefined" && process.argv[1] !== undefined && /cli\.(c?js|ts)$/.test(process.argv[1]);
if (isEntry) {
  main(process.argv.slice(2), { out: (t) => console.log(t), err: (t) => console.error(t) }).then(
    (code) => process.exit(code),
    (e) => {
      console.error(e);
      process.exit(70);
    },
  );
}
