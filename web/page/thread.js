// The room's history folded into what a reader sees: each line (a `text` entry) with its latest edit,
// whether it was deleted, and who reacted with what. Edits, deletes and reactions are entries of their
// own in the room's order (docs/protocol.md); the room logic has already checked who may do what.
// No DOM here: conversation.js shows what this keeps.

/**
 * A line as shown: { mid, seq, from, nick, time, text, reply, edited, deleted, pending, failed,
 * reactions: Map(emoji → Map(member id → nick)) }.
 */
export class Thread {
  #lines = new Map();  // mid → line

  /** The line `mid`, or undefined. */
  line(mid) {
    return this.#lines.get(mid);
  }

  clear() {
    this.#lines.clear();
  }

  /**
   * Applies one entry { seq, mid, from, nick, kind, text, target, reply, time } (kind defaults to
   * text). Returns the mid of the line to (re)draw, or '' when nothing shown changed.
   */
  apply(entry) {
    const kind = entry.kind ?? 'text';
    if (kind === 'text' || kind === 'file') {  // a file's line: its caption, and the file (page/files.js)
      const mid = entry.mid ?? `seq-${entry.seq}`;
      const known = this.#lines.get(mid);
      const line = {
        mid, seq: entry.seq, from: entry.from, nick: entry.nick, time: entry.time, text: entry.text ?? '',
        reply: entry.reply ?? '', edited: false, deleted: false, pending: false, failed: false, reactions: new Map(),
        file: kind === 'file' ? entry.file : undefined,
      };
      // Sequenced again (a failover hands the history over anew): edits and reactions applied to it stay.
      if (known && !known.pending) Object.assign(line, { text: known.text, edited: known.edited, deleted: known.deleted, reactions: known.reactions });
      this.#lines.set(mid, line);
      return mid;
    }
    const line = this.#lines.get(entry.target);
    if (!line) return '';  // acts on a line older than the history kept
    switch (kind) {
      case 'edit':
        if (line.deleted) return '';
        line.text = entry.text;
        line.edited = true;
        return line.mid;
      case 'delete':
        line.deleted = true;
        line.text = '';
        line.reactions.clear();
        return line.mid;
      case 'react':
      case 'unreact': {
        if (line.deleted) return '';
        const who = line.reactions.get(entry.text) ?? new Map();
        if (kind === 'react') who.set(entry.from, entry.nick);
        else who.delete(entry.from);
        if (who.size) line.reactions.set(entry.text, who);
        else line.reactions.delete(entry.text);
        return line.mid;
      }
      default:
        return '';  // a kind this page does not show
    }
  }

  /** One of our lines waiting for the host: shown as "sending…" until its entry comes back sequenced. */
  addPending({ mid, from, nick, text, reply, time }) {
    this.#lines.set(mid, { mid, seq: Infinity, from, nick, time, text, reply: reply ?? '', edited: false, deleted: false,
                           pending: true, failed: false, reactions: new Map() });
    return mid;
  }

  /** Our line `mid` cannot be sent (the host refused it): marked, never silently dropped. */
  markFailed(mid) {
    const line = this.#lines.get(mid);
    if (!line) return '';
    line.failed = true;
    return mid;
  }

  /** Our pending line `mid` was dropped by the host for its rate limit: held back, sent again soon. */
  markThrottled(mid) {
    const line = this.#lines.get(mid);
    if (!line?.pending || line.failed) return '';
    line.throttled = true;
    return mid;
  }

  /** Forgets a line (a pending one the author discards). */
  drop(mid) {
    this.#lines.delete(mid);
  }
}
