/**
 * Child processes of the local stack. Every child runs in its own process group (`detached`), so
 * stopping it kills everything it started too (npx wrappers, workers), and a terminal Ctrl-C reaches
 * only us: we decide the order and wait for each child to be gone. Node built-ins only.
 *
 * Adding a process to the stack (e.g. the relay) = one more `group.spawn({...})`.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createWriteStream, mkdirSync, type WriteStream } from "node:fs";
import path from "node:path";
import readline from "node:readline";

export type ChildSpec = {
  /** Short name used in logs and errors: "chain", "indexer", "relay". */
  name: string;
  command: string;
  args: string[];
  cwd?: string;
  /** The full environment of the child (default: ours). */
  env?: NodeJS.ProcessEnv;
  /** Write the child's stdout and stderr to this file (truncated first). */
  logFile?: string;
  /** Also print the child's lines on our stdout, prefixed with `[name]` (a function filters lines). */
  echo?: boolean | ((line: string) => boolean);
  /** First signal sent on stop (default SIGTERM); SIGKILL follows after `stopTimeoutMs` (default 10 s). */
  stopSignal?: NodeJS.Signals;
  stopTimeoutMs?: number;
  /**
   * Kill the child's group if we die without stopping it (SIGKILL, crash): a tiny `sh` loop checks once a
   * second that we are alive. Default true.
   */
  watchdog?: boolean;
};

export type ExitInfo = { code: number | null; signal: NodeJS.Signals | null };

const TAIL_LINES = 60;

function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

function killGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    // ESRCH: the group is already gone.
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** One child process (and its process group). */
export class ManagedProcess {
  readonly name: string;
  readonly pid: number;
  readonly logFile: string | undefined;
  /** Resolves when the child itself has exited. */
  readonly exited: Promise<ExitInfo>;
  #child: ChildProcess;
  #exit: ExitInfo | undefined;
  #stopping = false;
  #tail: string[] = [];
  #log: WriteStream | undefined;
  #spec: ChildSpec;
  #watchdog: ChildProcess | undefined;

  constructor(spec: ChildSpec) {
    this.#spec = spec;
    this.name = spec.name;
    this.logFile = spec.logFile;
    if (spec.logFile) {
      mkdirSync(path.dirname(spec.logFile), { recursive: true });
      this.#log = createWriteStream(spec.logFile, { flags: "w" });
    }
    this.#child = spawn(spec.command, spec.args, {
      cwd: spec.cwd,
      env: spec.env ?? process.env,
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
    });
    if (this.#child.pid === undefined) {
      throw new Error(`Could not start ${spec.name} (${spec.command} ${spec.args.join(" ")})`);
    }
    this.pid = this.#child.pid;
    if (spec.watchdog ?? true) {
      const script = `while kill -0 ${process.pid} 2>/dev/null; do sleep 1; done; kill -9 -${this.pid} 2>/dev/null`;
      this.#watchdog = spawn("sh", ["-c", script], { detached: true, stdio: "ignore" });
      this.#watchdog.unref();
    }
    for (const stream of [this.#child.stdout!, this.#child.stderr!]) {
      readline.createInterface({ input: stream, crlfDelay: Infinity }).on("line", (line) => this.#onLine(line));
    }
    this.exited = new Promise((resolve) => {
      this.#child.once("exit", (code, signal) => {
        this.#exit = { code, signal };
        resolve(this.#exit);
      });
      this.#child.once("error", (error) => {
        this.#onLine(`spawn error: ${error.message}`);
        this.#exit ??= { code: -1, signal: null };
        resolve(this.#exit);
      });
    });
    // End the log only after the pipes drained (the "close" event), so the last lines are kept.
    this.#child.once("close", () => this.#log?.end());
  }

  #onLine(line: string): void {
    this.#tail.push(line);
    if (this.#tail.length > TAIL_LINES) this.#tail.shift();
    this.#log?.write(line + "\n");
    const { echo } = this.#spec;
    if (echo === true || (typeof echo === "function" && echo(line))) {
      process.stdout.write(`[${this.name}] ${line}\n`);
    }
  }

  get running(): boolean {
    return this.#exit === undefined;
  }

  get exitInfo(): ExitInfo | undefined {
    return this.#exit;
  }

  get stopping(): boolean {
    return this.#stopping;
  }

  /** The last lines the child printed (for error messages). */
  tail(lines = 30): string {
    return this.#tail.slice(-lines).join("\n");
  }

  /** Describes how the child ended, with its last output, for a loud failure message. */
  describeExit(): string {
    const exit = this.#exit;
    const how = exit === undefined ? "is still running" : exit.signal ? `was killed by ${exit.signal}` : `exited with code ${exit.code}`;
    const log = this.logFile ? ` (full log: ${this.logFile})` : "";
    const tail = this.tail();
    return `${this.name} (pid ${this.pid}) ${how}${log}${tail ? `; last output:\n${tail}` : ""}`;
  }

  /**
   * Stops the child and every process in its group: `stopSignal`, then SIGKILL after `stopTimeoutMs`.
   * Resolves once the group is gone (or, for unreapable zombies, shortly after SIGKILL).
   */
  async stop(): Promise<void> {
    this.#stopping = true;
    const { stopSignal = "SIGTERM", stopTimeoutMs = 10_000 } = this.#spec;
    if (!groupAlive(this.pid)) {
      await this.exited;
      this.#stopWatchdog();
      return;
    }
    killGroup(this.pid, stopSignal);
    const deadline = Date.now() + stopTimeoutMs;
    while (groupAlive(this.pid) && Date.now() < deadline) await sleep(50);
    if (groupAlive(this.pid)) {
      killGroup(this.pid, "SIGKILL");
      const hardDeadline = Date.now() + 2_000;
      while (groupAlive(this.pid) && Date.now() < hardDeadline) await sleep(50);
    }
    await Promise.race([this.exited, sleep(2_000)]);
    this.#stopWatchdog();
  }

  #stopWatchdog(): void {
    const pid = this.#watchdog?.pid;
    if (pid !== undefined) killGroup(pid, "SIGKILL");
    this.#watchdog = undefined;
  }

  /** Synchronous last resort (process "exit" handler): SIGKILL the whole group. */
  killNow(): void {
    killGroup(this.pid, "SIGKILL");
    this.#stopWatchdog();
  }
}

/**
 * The stack's children. Stops them in reverse start order; reports a child that exits on its own.
 */
export class ProcessGroup {
  readonly processes: ManagedProcess[] = [];
  #stopped: Promise<void> | undefined;
  #onUnexpectedExit: ((proc: ManagedProcess) => void) | undefined;
  #exitHandler = () => {
    for (const proc of this.processes) proc.killNow();
  };

  constructor() {
    process.once("exit", this.#exitHandler);
  }

  /** Called when a child exits while we did not ask it to (e.g. the chain crashed). */
  onUnexpectedExit(callback: (proc: ManagedProcess) => void): void {
    this.#onUnexpectedExit = callback;
  }

  spawn(spec: ChildSpec): ManagedProcess {
    if (this.#stopped) throw new Error(`Cannot start ${spec.name}: the stack is stopping`);
    const proc = new ManagedProcess(spec);
    this.processes.push(proc);
    void proc.exited.then(() => {
      if (!proc.stopping && this.#stopped === undefined) this.#onUnexpectedExit?.(proc);
    });
    return proc;
  }

  /** Stops every child, newest first. Safe to call more than once. */
  stopAll(): Promise<void> {
    this.#stopped ??= (async () => {
      for (const proc of [...this.processes].reverse()) await proc.stop();
      process.removeListener("exit", this.#exitHandler);
    })();
    return this.#stopped;
  }
}
