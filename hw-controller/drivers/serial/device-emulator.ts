import { SerialPort } from 'serialport';
import { HwDriverError } from '../../hw-errors.ts';
import type { ParsedLine, SerialFrame } from './serial-frame.ts';
import { SerialParser } from './serial-parser.ts';
import { encodeFrame } from './serial-writer.ts';

export interface DeviceState {
  laser: { on: boolean; panDeg: number; tiltDeg: number };
  strobes: Record<string, string>;
  doorUnlocked: boolean;
  /** Every command line the device accepted, in order (words only). */
  log: string[];
}

/** Something the device did, on its own clock (ms, `performance.now()` of the emulator). */
export interface DeviceEvent {
  atMs: number;
  what: 'frame' | 'watchdog';
  /** For `frame`: the command's words; for `watchdog`: what it switched off. */
  detail: string;
  /** For `watchdog`: how long no valid frame had arrived. */
  quietMs?: number;
}

export interface DeviceEmulatorOptions {
  baudRate?: number;
  /** Firmware watchdog: no valid frame for this long, laser and strobes off and the door locked. */
  watchdogMs?: number | undefined;
}

/**
 * A locator microcontroller as firmware would behave, on the far end of a serial line (a
 * socat pty pair in the tests): it parses the same lines, answers OK or ERR, and keeps its
 * outputs. `silent` makes it stop answering (and applying), like a device that hung;
 * `garbleReplies` damages replies. With `watchdogMs` it has the firmware watchdog of
 * docs/hw-protocol.md, and after the watchdog fired its next OK says `OK WDT` once.
 */
export class DeviceEmulator {
  readonly state: DeviceState = {
    laser: { on: false, panDeg: 0, tiltDeg: 0 },
    strobes: {},
    doorUnlocked: false,
    log: [],
  };
  silent = false;
  /** This many next replies go out with a wrong checksum, like a noisy line. */
  garbleReplies = 0;
  /** Accepted frames and watchdog trips with the device's own clock, oldest first (bounded). */
  readonly events: DeviceEvent[] = [];
  /** Commands that arrived while `silent` (not applied, not answered), words only. */
  readonly ignored: string[] = [];
  private lastValidFrameAtMs = performance.now();
  private watchdog: NodeJS.Timeout | undefined;
  private watchdogTripped = false;

  private constructor(
    private readonly port: SerialPort,
    readonly watchdogMs: number | undefined,
  ) {
    port.pipe(new SerialParser()).on('data', (line: ParsedLine) => this.onLine(line));
    this.armWatchdog();
  }

  static async open(path: string, options: DeviceEmulatorOptions = {}): Promise<DeviceEmulator> {
    const baudRate = options.baudRate ?? 115_200;
    const port = new SerialPort({ path, baudRate, autoOpen: false });
    await new Promise<void>((resolve, reject) =>
      port.open((error) =>
        error ? reject(new HwDriverError(`cannot open ${path}: ${error.message}`)) : resolve(),
      ),
    );
    return new DeviceEmulator(port, options.watchdogMs);
  }

  private record(event: DeviceEvent): void {
    this.events.push(event);
    if (this.events.length > 2000) this.events.splice(0, this.events.length - 2000);
  }

  private armWatchdog(): void {
    if (!this.watchdogMs) return;
    clearTimeout(this.watchdog);
    this.watchdog = setTimeout(() => this.watchdogFired(), this.watchdogMs);
    this.watchdog.unref();
  }

  private watchdogFired(): void {
    const atMs = performance.now();
    // A timer may fire a fraction of a ms early by this clock; the firmware goes by its clock.
    const earlyMs = this.watchdogMs! - (atMs - this.lastValidFrameAtMs);
    if (earlyMs > 0) {
      this.watchdog = setTimeout(() => this.watchdogFired(), Math.ceil(earlyMs));
      this.watchdog.unref();
      return;
    }
    const { laser, strobes, doorUnlocked } = this.state;
    const lit = [
      laser.on && 'laser',
      ...Object.keys(strobes).map((z) => `strobe ${z}`),
      doorUnlocked && 'door',
    ]
      .filter(Boolean)
      .join(', ');
    if (lit) {
      laser.on = false;
      this.state.strobes = {};
      this.state.doorUnlocked = false;
      this.watchdogTripped = true;
      this.record({ atMs, what: 'watchdog', detail: lit, quietMs: atMs - this.lastValidFrameAtMs });
    }
    // Nothing lit: nothing to switch off, but the watchdog stays armed for the next command.
    this.armWatchdog();
  }

  private reply(seq: number, words: string[]): void {
    const bytes = encodeFrame({ seq, words });
    if (this.garbleReplies > 0) {
      this.garbleReplies--;
      // The checksum's last hex digit, changed: the line stays readable but fails its check.
      const at = bytes.length - 2;
      bytes[at] = bytes[at] === 0x30 ? 0x31 : 0x30;
    }
    this.port.write(bytes);
  }

  private onLine(line: ParsedLine): void {
    if (this.silent) {
      if (line.ok) this.ignored.push(line.frame.words.join(' '));
      return;
    }
    if (!line.ok) {
      if (line.seq !== null)
        this.reply(line.seq, ['ERR', line.problem === 'bad checksum' ? 'CHECKSUM' : 'FRAME']);
      return;
    }
    this.lastValidFrameAtMs = performance.now();
    this.armWatchdog();
    const error = this.execute(line.frame);
    if (error) this.reply(line.frame.seq, ['ERR', error]);
    else {
      this.state.log.push(line.frame.words.join(' '));
      this.record({ atMs: this.lastValidFrameAtMs, what: 'frame', detail: line.frame.words.join(' ') });
      this.reply(line.frame.seq, this.watchdogTripped ? ['OK', 'WDT'] : ['OK']);
      this.watchdogTripped = false;
    }
  }

  /** Applies one command; returns an error code when it is refused. */
  private execute({ words }: SerialFrame): string | undefined {
    const [command, ...args] = words;
    const flag = (word: string | undefined) => (word === '1' ? true : word === '0' ? false : undefined);
    switch (command) {
      case 'PING':
        return args.length === 0 ? undefined : 'ARGS';
      case 'AIM': {
        const [pan, tilt] = args.map(Number);
        if (args.length !== 2 || !Number.isFinite(pan) || !Number.isFinite(tilt)) return 'ARGS';
        if (Math.abs(pan!) > 180 || Math.abs(tilt!) > 90) return 'RANGE';
        this.state.laser.panDeg = pan!;
        this.state.laser.tiltDeg = tilt!;
        return undefined;
      }
      case 'LASER': {
        const on = flag(args[0]);
        if (args.length !== 1 || on === undefined) return 'ARGS';
        this.state.laser.on = on;
        return undefined;
      }
      case 'STROBE': {
        const [zone, pattern] = args;
        if (args.length !== 2 || !['STEADY', 'FLASH', 'PULSE', 'OFF'].includes(pattern!)) return 'ARGS';
        if (pattern === 'OFF') delete this.state.strobes[zone!];
        else this.state.strobes[zone!] = pattern!;
        return undefined;
      }
      case 'DOOR': {
        const unlocked = flag(args[0]);
        if (args.length !== 1 || unlocked === undefined) return 'ARGS';
        this.state.doorUnlocked = unlocked;
        return undefined;
      }
      case 'OFF':
        if (args.length !== 0) return 'ARGS';
        this.state.laser.on = false;
        this.state.strobes = {};
        return undefined;
      default:
        return 'UNKNOWN';
    }
  }

  close(): Promise<void> {
    clearTimeout(this.watchdog);
    if (!this.port.isOpen) return Promise.resolve();
    return new Promise((resolve) => this.port.close(() => resolve()));
  }
}
