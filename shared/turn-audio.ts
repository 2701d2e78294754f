/**
 * Turn audio, kept on this computer only when the user asks
 * (`tracing.captureAudio`): for each turn, what speech-to-text received and
 * what the user heard of the reply, on the turn's time axis. The viewer asks
 * main what is kept of a conversation (`audio.turns`) and reads one turn, or
 * the whole conversation, as one playable file a page at a time
 * (`audio.read`). Audio never travels in spans, trace files or exports.
 */
import { z } from 'zod';

/** The two lanes of a turn: the user's voice as speech-to-text received it, the reply as it played. */
export const AUDIO_LANES = ['user', 'assistant'] as const;
export type AudioLane = (typeof AUDIO_LANES)[number];

/**
 * The file a turn (or a conversation) is read as: FLAC, lossless, two
 * channels at one sample rate: the first the user, the second the assistant.
 */
export const TURN_AUDIO_MIME = 'audio/flac';

/** Bytes of the file in one `audio.data` message: as base64 (4/3 of that) well under MAX_MESSAGE_BYTES (64 KiB) with its envelope. */
export const AUDIO_PAGE_BYTES = 45 * 1024;

/** Why a turn has no audio to play. */
export const AUDIO_MISSING_REASONS = ['capture-off', 'recording', 'no-sound', 'removed', 'other-session'] as const;
export type AudioMissingReason = (typeof AUDIO_MISSING_REASONS)[number];

/** What the viewer says of a turn without audio, completing "No audio: …". */
export const AUDIO_MISSING_TEXT: Readonly<Record<AudioMissingReason, string>> = {
  'capture-off': 'audio capture was off',
  recording: 'the turn is still going on; its audio is kept when it ends',
  'no-sound': 'nothing was said or played in this turn',
  removed: 'its audio was removed (the size limit for turn audio, or the conversation was deleted)',
  'other-session': 'its audio belongs to another window or tab and plays only there',
};

/** Where a lane has sound in a turn's file: from `offsetMs` (since the file's start) for `durationMs`. */
export const AudioSegmentSchema = z.strictObject({
  lane: z.enum(AUDIO_LANES),
  offsetMs: z.number().nonnegative().max(86_400_000),
  durationMs: z.number().nonnegative().max(86_400_000),
});
export type AudioSegment = z.infer<typeof AudioSegmentSchema>;

const TurnNumber = z.number().int().positive().max(1_000_000);

/**
 * One turn of a conversation: its audio is kept (the file starts at
 * `startAt`, epoch milliseconds on the spans' clock, and lasts `durationMs`;
 * `segments` say where each lane has sound), or it is not, and why.
 */
export const TurnAudioSchema = z.discriminatedUnion('kept', [
  z.strictObject({
    turn: TurnNumber,
    kept: z.literal(true),
    startAt: z.number().nonnegative(),
    durationMs: z.number().nonnegative().max(86_400_000),
    segments: z.array(AudioSegmentSchema).max(64),
  }),
  z.strictObject({ turn: TurnNumber, kept: z.literal(false), reason: z.enum(AUDIO_MISSING_REASONS) }),
]);
export type TurnAudio = z.infer<typeof TurnAudioSchema>;

/** Most turns listed in one `audio.turns` message. */
export const MAX_AUDIO_TURNS = 1_000;

export const AudioTurnNumberSchema = TurnNumber;
