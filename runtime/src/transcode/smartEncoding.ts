// Typographic characters that phones and word processors insert, and their GSM-7 look-alikes.
// Letters are never touched: replacing `ç` or `á` would change words, not typography.

const replacements = new Map<string, string>(Object.entries({
  '\u2018': "'", // left single quote
  '\u2019': "'", // right single quote, apostrophe
  '\u201A': "'", // single low quote
  '\u201B': "'", // single high-reversed quote
  '\u2032': "'", // prime
  '\u0060': "'", // backtick
  '\u201C': '"', // left double quote
  '\u201D': '"', // right double quote
  '\u201E': '"', // double low quote
  '\u201F': '"', // double high-reversed quote
  '\u2033': '"', // double prime
  '\u00AB': '"', // «
  '\u00BB': '"', // »
  '\u2039': "'", // ‹
  '\u203A': "'", // ›
  '\u2010': '-', // hyphen
  '\u2011': '-', // non-breaking hyphen
  '\u2012': '-', // figure dash
  '\u2013': '-', // en dash
  '\u2014': '-', // em dash
  '\u2015': '-', // horizontal bar
  '\u2212': '-', // minus sign
  '\u2026': '...', // ellipsis
  '\u2022': '-', // bullet
  '\u00A0': ' ', // no-break space
  '\u2002': ' ', // en space
  '\u2003': ' ', // em space
  '\u2009': ' ', // thin space
  '\u200A': ' ', // hair space
  '\u202F': ' ', // narrow no-break space
  '\u205F': ' ', // medium mathematical space
  '\u3000': ' ', // ideographic space
  '\t': ' ',
  '\u200B': '', // zero-width space
  '\u2060': '', // word joiner
  '\uFEFF': '', // byte order mark
  '\u00AD': '', // soft hyphen
}));

/** The text with typographic characters replaced by their GSM-7 equivalents. */
export function smartEncode(text: string): string {
  return Array.from(text, (char) => replacements.get(char) ?? char).join('');
}
