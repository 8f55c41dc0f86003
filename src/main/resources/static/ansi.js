'use strict';

/**
 * Turns text with ANSI escape sequences into DOM nodes. Colours, bold, dim, italic and underline
 * (SGR, "ESC [ ... m") become spans; every other escape sequence is dropped. Text only ever goes into
 * text nodes, never into markup, so a log cannot inject HTML. The style carries over from one call to
 * the next, as it does in a terminal, and a sequence cut at the end of one call is finished by the next.
 */
class AnsiText {
  constructor() {
    this.reset();
    this.pending = '';
  }

  reset() {
    this.fg = null;
    this.bg = null;
    this.classes = new Set();
  }

  /** Appends the text to the element, styled. */
  append(element, text) {
    text = this.pending + text;
    this.pending = '';
    const unfinished = /\x1b(\[[0-9;?]*)?$/.exec(text);
    if (unfinished) {
      this.pending = unfinished[0];
      text = text.slice(0, unfinished.index);
    }
    const fragment = document.createDocumentFragment();
    const sequence = /\x1b\[([0-9;?]*)([@-~])|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b[@-_]?/g;
    let from = 0;
    for (let match; (match = sequence.exec(text)) !== null;) {
      this.emit(fragment, text.slice(from, match.index));
      if (match[2] === 'm') {
        this.select(match[1]);
      }
      from = sequence.lastIndex;
    }
    this.emit(fragment, text.slice(from));
    element.appendChild(fragment);
  }

  emit(fragment, text) {
    if (text === '') {
      return;
    }
    if (this.fg === null && this.bg === null && this.classes.size === 0) {
      fragment.appendChild(document.createTextNode(text));
      return;
    }
    const span = document.createElement('span');
    span.textContent = text;
    for (const name of this.classes) {
      span.classList.add(name);
    }
    for (const [layer, colour] of [['fg', this.fg], ['bg', this.bg]]) {
      if (typeof colour === 'number') {
        span.classList.add(`ansi-${layer}-${colour}`);
      } else if (colour !== null) {
        span.style[layer === 'fg' ? 'color' : 'backgroundColor'] = colour;
      }
    }
    fragment.appendChild(span);
  }

  /** Applies one SGR sequence's parameters. */
  select(parameters) {
    const codes = parameters === '' ? [0] : parameters.split(';').map(code => Number(code) || 0);
    for (let i = 0; i < codes.length; i++) {
      const code = codes[i];
      if (code === 0) {
        this.reset();
      } else if (code === 1) {
        this.classes.add('ansi-bold');
      } else if (code === 2) {
        this.classes.add('ansi-dim');
      } else if (code === 3) {
        this.classes.add('ansi-italic');
      } else if (code === 4) {
        this.classes.add('ansi-underline');
      } else if (code === 22) {
        this.classes.delete('ansi-bold');
        this.classes.delete('ansi-dim');
      } else if (code === 23) {
        this.classes.delete('ansi-italic');
      } else if (code === 24) {
        this.classes.delete('ansi-underline');
      } else if (code >= 30 && code <= 37) {
        this.fg = code - 30;
      } else if (code >= 90 && code <= 97) {
        this.fg = code - 90 + 8;
      } else if (code === 39) {
        this.fg = null;
      } else if (code >= 40 && code <= 47) {
        this.bg = code - 40;
      } else if (code >= 100 && code <= 107) {
        this.bg = code - 100 + 8;
      } else if (code === 49) {
        this.bg = null;
      } else if (code === 38 || code === 48) {
        const layer = code === 38 ? 'fg' : 'bg';
        if (codes[i + 1] === 5) {
          this[layer] = AnsiText.palette(codes[i + 2] || 0);
          i += 2;
        } else if (codes[i + 1] === 2) {
          this[layer] = `rgb(${codes[i + 2] || 0}, ${codes[i + 3] || 0}, ${codes[i + 4] || 0})`;
          i += 4;
        }
      }
    }
  }

  /** A colour of the 256-colour palette: the first 16 are the themed ones, the rest are fixed. */
  static palette(n) {
    if (n < 16) {
      return n;
    }
    if (n < 232) {
      const levels = [0, 95, 135, 175, 215, 255];
      const cube = n - 16;
      return `rgb(${levels[Math.floor(cube / 36)]}, ${levels[Math.floor(cube / 6) % 6]}, ${levels[cube % 6]})`;
    }
    const grey = 8 + (n - 232) * 10;
    return `rgb(${grey}, ${grey}, ${grey})`;
  }
}
