import { useState, type FormEvent } from 'react';
import { MAX_TEXT_CHARS } from '../../../shared/protocol';

export function Composer({ onSend, disabled }: { onSend: (text: string) => boolean; disabled: boolean }) {
  const [text, setText] = useState('');

  function submit(event: FormEvent) {
    event.preventDefault();
    // The text stays in the box unless it was actually sent.
    if (onSend(text)) setText('');
  }

  return (
    <form className="composer" onSubmit={submit}>
      <input
        className="composer-input"
        type="text"
        aria-label="Message"
        placeholder="Type a message…"
        value={text}
        maxLength={MAX_TEXT_CHARS}
        onChange={(event) => setText(event.target.value)}
        autoComplete="off"
      />
      <button type="submit" className="button" disabled={disabled || text.trim() === ''}>
        Send
      </button>
    </form>
  );
}
