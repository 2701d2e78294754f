/**
 * Turn audio on disk, in the data folder beside the conversations: a folder
 * per conversation, and per turn a FLAC file per lane (what speech-to-text
 * received, what the user heard) with a small description written last, so
 * a turn is either whole or absent after a crash. Bounded: past the size
 * limit the oldest conversations' audio is removed first (a line in the log
 * says so). Deleted with its conversation. Nothing here is ever exported.
 *
 * Saving (encoding in a worker thread, then writing) runs one turn at a time
 * behind the conversation; reading makes one file of a turn or of the whole
 * conversation for the viewer (./turn-mix.ts).
 */
import { mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { CONVERSATION_ID as ID } from '../../../shared/client-messages';
import { AUDIO_LANES, type AudioLane, type TurnAudio } from '../../../shared/turn-audio';
import { writeFileAtomic } from '../util/atomic-file';
import { silentLogger, type Logger } from '../util/logger';
import { decodeFlac, encodeFlac } from './flac';
import { conversationLayout, mixLanes, segmentsIn, type PlacedSamples } from './turn-mix';

const TURN_FILE = /^turn-(\d{1,7})\.json$/;
/** Turns waiting to be saved at most; past it a turn's audio is not kept (the log says so) rather than memory growing. */
export const MAX_PENDING_SAVES = 16;
/** Conversations whose removed turns are remembered, so the viewer can say why they have no audio. */
const REMEMBERED_REMOVALS = 100;

/** One lane's audio of a turn, as heard: 16-bit samples from `startAt` (epoch ms). */
export interface TurnClip {
  lane: AudioLane;
  startAt: number;
  sampleRate: number;
  samples: Int16Array;
}

/** A turn's audio to keep: the turn ran from `startAt` to `endAt` (epoch ms, the spans' clock). */
export interface TurnRecording {
  conversationId: string;
  turn: number;
  startAt: number;
  endAt: number;
  clips: TurnClip[];
}

const KeptClipSchema = z.strictObject({
  lane: z.enum(AUDIO_LANES),
  file: z.string().regex(/^turn-\d{1,7}-(user|assistant)\.flac$/),
  startAt: z.number(),
  durationMs: z.number().nonnegative(),
  sampleRate: z.number().int().positive(),
  bytes: z.number().int().nonnegative(),
});
const KeptTurnSchema = z.strictObject({
  turn: z.number().int().positive(),
  startAt: z.number(),
  endAt: z.number(),
  clips: z.array(KeptClipSchema).max(AUDIO_LANES.length),
});
type KeptTurn = z.infer<typeof KeptTurnSchema> & { bytes: number };

interface KeptConversation {
  turns: Map<number, KeptTurn>;
}

export interface TurnAudioStoreOptions {
  logger?: Logger;
  /** The most bytes kept; 0: no limit. */
  limitBytes?: number;
}

export class TurnAudioStore {
  private readonly conversations = new Map<string, KeptConversation>();
  /** Turns removed by the size limit or a deletion, by conversation (the most recent ones). */
  private readonly removed = new Map<string, Set<number>>();
  private work: Promise<void> = Promise.resolve();
  private pending = 0;
  private limitBytes: number;
  private readonly logger: Logger;

  private constructor(
    private readonly dir: string,
    options: TurnAudioStoreOptions,
  ) {
    this.logger = options.logger ?? silentLogger;
    this.limitBytes = options.limitBytes ?? 0;
  }

  static async open(dataDir: string, options: TurnAudioStoreOptions = {}): Promise<TurnAudioStore> {
    const dir = join(dataDir, 'turn-audio');
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const store = new TurnAudioStore(dir, options);
    await store.load();
    await store.setLimit(store.limitBytes);
    return store;
  }

  /** Bytes kept on disk. */
  get bytes(): number {
    let total = 0;
    for (const conversation of this.conversations.values()) for (const turn of conversation.turns.values()) total += turn.bytes;
    return total;
  }

  /** Sets the size limit and applies it now. */
  setLimit(bytes: number): Promise<void> {
    return this.serially(() => {
      this.limitBytes = bytes;
      return this.applyLimit(null);
    });
  }

  /**
   * Keeps a turn's audio: encoded and written behind the conversation, then
   * the size limit applied (never to the turn just kept while older audio
   * remains). False when too many turns wait already: that turn is not kept.
   */
  save(recording: TurnRecording): boolean {
    if (!ID.test(recording.conversationId) || !Number.isSafeInteger(recording.turn) || recording.turn < 1) throw new RangeError('not a conversation id or turn');
    if (this.pending >= MAX_PENDING_SAVES) {
      this.logger.warn('turn audio not kept: saving fell behind', { conversation: recording.conversationId, turn: recording.turn });
      return false;
    }
    this.pending++;
    void this.serially(async () => {
      try {
        await this.write(recording);
        await this.applyLimit(recording.conversationId);
      } catch (error) {
        this.logger.warn('turn audio could not be saved', { conversation: recording.conversationId, turn: recording.turn, error: String(error) });
      } finally {
        this.pending--;
      }
    });
    return true;
  }

  /** Resolves once every save and deletion asked for so far is done. */
  async settled(): Promise<void> {
    await this.work;
  }

  /** What is kept of each turn of a conversation, once the turns being saved are; turns it knows nothing of are left out. */
  async turns(conversationId: string): Promise<TurnAudio[]> {
    await this.work;
    const kept = this.conversations.get(conversationId)?.turns;
    const list: TurnAudio[] = [];
    for (const turn of kept?.values() ?? []) {
      if (!turn.clips.length) {
        list.push({ turn: turn.turn, kept: false, reason: 'no-sound' });
        continue;
      }
      const window = this.window(conversationId, turn);
      list.push({ turn: turn.turn, kept: true, startAt: window.from, durationMs: round(window.to - window.from), segments: segmentsIn(window.clips, window.from, window.to) });
    }
    for (const turn of this.removed.get(conversationId) ?? []) if (!kept?.has(turn)) list.push({ turn, kept: false, reason: 'removed' });
    return list.sort((a, b) => a.turn - b.turn);
  }

  /** One turn's audio (or, `turn` null, the whole conversation's) as one FLAC file; null when none is kept. */
  async render(conversationId: string, turn: number | null): Promise<{ bytes: Uint8Array; startAt: number } | null> {
    const conversation = this.conversations.get(conversationId);
    if (!conversation) return null;
    if (turn !== null) {
      const kept = conversation.turns.get(turn);
      if (!kept?.clips.length) return null;
      const { from, to, clips } = this.window(conversationId, kept);
      const placed = await this.read(conversationId, clips, clips.map((c) => c.startAt - from));
      const { sampleRate, channels } = mixLanes(placed, to - from);
      return { bytes: await encodeFlac(channels, sampleRate), startAt: from };
    }
    const clips = [...conversation.turns.values()].flatMap((t) => t.clips);
    if (!clips.length) return null;
    const layout = conversationLayout(clips);
    const placed = await this.read(conversationId, clips, layout.offsetsMs);
    const { sampleRate, channels } = mixLanes(placed, layout.durationMs);
    return { bytes: await encodeFlac(channels, sampleRate), startAt: Math.min(...clips.map((c) => c.startAt)) };
  }

  /** Removes a conversation's audio (its conversation was deleted). */
  delete(conversationId: string): Promise<void> {
    if (!ID.test(conversationId)) return Promise.resolve();
    return this.serially(() => this.remove(conversationId));
  }

  // ---- the files -------------------------------------------------------------------

  private async write(recording: TurnRecording): Promise<void> {
    const folder = join(this.dir, recording.conversationId);
    await mkdir(folder, { recursive: true, mode: 0o700 });
    const clips: KeptTurn['clips'] = [];
    let bytes = 0;
    for (const clip of recording.clips) {
      if (!clip.samples.length) continue;
      const file = `turn-${recording.turn}-${clip.lane}.flac`;
      const encoded = await encodeFlac([clip.samples], clip.sampleRate);
      await writeFile(join(folder, file), encoded, { mode: 0o600 });
      bytes += encoded.length;
      clips.push({ lane: clip.lane, file, startAt: clip.startAt, durationMs: round((clip.samples.length / clip.sampleRate) * 1000), sampleRate: clip.sampleRate, bytes: encoded.length });
    }
    const description = JSON.stringify({ turn: recording.turn, startAt: recording.startAt, endAt: recording.endAt, clips });
    await writeFileAtomic(join(folder, `turn-${recording.turn}.json`), description);
    const conversation = this.conversations.get(recording.conversationId) ?? { turns: new Map<number, KeptTurn>() };
    conversation.turns.set(recording.turn, { turn: recording.turn, startAt: recording.startAt, endAt: recording.endAt, clips, bytes: bytes + description.length });
    this.conversations.set(recording.conversationId, conversation);
  }

  /** The clips' samples, decoded, placed at `offsetsMs` in the file. */
  private async read(conversationId: string, clips: readonly KeptTurn['clips'][number][], offsetsMs: readonly number[]): Promise<PlacedSamples[]> {
    const placed: PlacedSamples[] = [];
    for (const [i, clip] of clips.entries()) {
      const decoded = await decodeFlac(new Uint8Array(await readFile(join(this.dir, conversationId, clip.file))));
      placed.push({ lane: clip.lane, offsetMs: offsetsMs[i]!, sampleRate: decoded.sampleRate, samples: decoded.channels[0] ?? new Float32Array(0) });
    }
    return placed;
  }

  /** A turn's window: the turn and its clips, and every clip of the conversation that reaches into it. */
  private window(conversationId: string, turn: KeptTurn): { from: number; to: number; clips: KeptTurn['clips'] } {
    const from = Math.min(turn.startAt, ...turn.clips.map((c) => c.startAt));
    const to = Math.max(turn.endAt, ...turn.clips.map((c) => c.startAt + c.durationMs));
    const all = [...(this.conversations.get(conversationId)?.turns.values() ?? [])].flatMap((t) => t.clips);
    return { from, to, clips: all.filter((c) => c.startAt < to && c.startAt + c.durationMs > from) };
  }

  private async load(): Promise<void> {
    for (const entry of await readdir(this.dir, { withFileTypes: true })) {
      if (!entry.isDirectory() || !ID.test(entry.name)) continue;
      const folder = join(this.dir, entry.name);
      const names = await readdir(folder);
      const turns = new Map<number, KeptTurn>();
      for (const name of names) {
        if (!TURN_FILE.test(name)) continue;
        const turn = await this.loadTurn(folder, name);
        if (turn) turns.set(turn.turn, turn);
      }
      // What no description names is a save a crash cut short.
      const described = new Set([...turns.values()].flatMap((t) => [`turn-${t.turn}.json`, ...t.clips.map((c) => c.file)]));
      await Promise.all(names.filter((name) => !described.has(name)).map((name) => rm(join(folder, name), { force: true })));
      if (turns.size) this.conversations.set(entry.name, { turns });
      else await rm(folder, { recursive: true, force: true });
    }
  }

  private async loadTurn(folder: string, name: string): Promise<KeptTurn | null> {
    try {
      const text = await readFile(join(folder, name), 'utf8');
      const turn = KeptTurnSchema.parse(JSON.parse(text));
      let bytes = text.length;
      for (const clip of turn.clips) bytes += (await stat(join(folder, clip.file))).size;
      return { ...turn, bytes };
    } catch {
      return null; // torn or missing a file: not a whole turn
    }
  }

  // ---- the size limit ----------------------------------------------------------------

  /** Removes the oldest conversations' audio (then the oldest turns of `current`) until the rest fits the limit. */
  private async applyLimit(current: string | null): Promise<void> {
    if (!this.limitBytes) return;
    const firstAt = (id: string) => Math.min(...[...this.conversations.get(id)!.turns.values()].map((t) => t.startAt));
    while (this.bytes > this.limitBytes) {
      const others = [...this.conversations.keys()].filter((id) => id !== current).sort((a, b) => firstAt(a) - firstAt(b));
      const oldest = others[0];
      if (oldest !== undefined) {
        const bytes = this.bytesOf(oldest);
        await this.remove(oldest);
        this.logger.info('turn audio removed to stay under its size limit', { conversation: oldest, bytes, limitMb: this.limitBytes / 1e6 });
        continue;
      }
      const turns = [...(this.conversations.get(current!)?.turns.values() ?? [])].sort((a, b) => a.turn - b.turn);
      const turn = turns[0];
      if (!turn) return;
      await this.removeTurn(current!, turn);
      this.logger.info('turn audio removed to stay under its size limit', { conversation: current, turn: turn.turn, bytes: turn.bytes, limitMb: this.limitBytes / 1e6 });
    }
  }

  private bytesOf(conversationId: string): number {
    return [...(this.conversations.get(conversationId)?.turns.values() ?? [])].reduce((sum, t) => sum + t.bytes, 0);
  }

  private async remove(conversationId: string): Promise<void> {
    const turns = this.conversations.get(conversationId)?.turns;
    await rm(join(this.dir, conversationId), { recursive: true, force: true });
    this.conversations.delete(conversationId);
    if (turns) this.remember(conversationId, turns.keys());
  }

  private async removeTurn(conversationId: string, turn: KeptTurn): Promise<void> {
    const folder = join(this.dir, conversationId);
    // The description first: a turn without it is no longer whole, and its files are cleared at the next start.
    await rm(join(folder, `turn-${turn.turn}.json`), { force: true });
    await Promise.all(turn.clips.map((c) => rm(join(folder, c.file), { force: true })));
    const conversation = this.conversations.get(conversationId);
    conversation?.turns.delete(turn.turn);
    if (conversation && !conversation.turns.size) await this.remove(conversationId);
    this.remember(conversationId, [turn.turn]);
  }

  private remember(conversationId: string, turns: Iterable<number>): void {
    const set = this.removed.get(conversationId) ?? new Set<number>();
    for (const turn of turns) set.add(turn);
    this.removed.delete(conversationId);
    this.removed.set(conversationId, set);
    if (this.removed.size > REMEMBERED_REMOVALS) this.removed.delete(this.removed.keys().next().value!);
  }

  private serially(task: () => Promise<void>): Promise<void> {
    const run = this.work.then(task);
    this.work = run.catch(() => {});
    return run;
  }
}

function round(ms: number): number {
  return Math.round(ms * 10) / 10;
}
