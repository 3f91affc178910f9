// The new part of a reply: mail clients append the message they answer ("On Mon, Ada wrote:"
// followed by `>` lines, Outlook's "-----Original Message-----" or its "From: … Sent: …" block).
// The timeline shows what the person wrote; the full body stays in the event's raw source.

/** Lines that start the quoted history, checked on each line and on each pair of lines (clients wrap the attribution). */
const ATTRIBUTION = [
  /^On\b.{0,300}\bwrote:\s*$/i, // Gmail, Apple Mail, Thunderbird (English)
  /^Le\b.{0,300}\ba écrit\s*:\s*$/i, // French
  /^Am\b.{0,300}\bschrieb.{0,200}:\s*$/i, // German
  /^El\b.{0,300}\bescribió:\s*$/i, // Spanish
  /^-{2,}\s*Original Message\s*-{2,}\s*$/i, // Outlook, many webmails
  /^-{2,}\s*Forwarded message\s*-{2,}\s*$/i,
  /^_{10,}\s*$/, // Outlook's rule above its header block
];
const OUTLOOK_HEADER = /^(From|De|Von):\s.+$/i;
const OUTLOOK_NEXT = /^(Sent|Date|Envoyé|Gesendet|To|Subject):\s/i;

function startsQuote(lines: string[], i: number, lastUnquoted: number): boolean {
  const line = lines[i]!.trim();
  const joined = i + 1 < lines.length ? `${line} ${lines[i + 1]!.trim()}` : line;
  if (ATTRIBUTION.some((rule) => rule.test(line) || rule.test(joined))) return true;
  if (OUTLOOK_HEADER.test(line) && i + 1 < lines.length && OUTLOOK_NEXT.test(lines[i + 1]!.trim())) return true;
  // A block of `>` lines that runs to the end is quoted history, wherever it starts.
  return line.startsWith('>') && i > lastUnquoted;
}

/** The text above the quoted history; the whole text when nothing precedes the quote. */
export function visibleReply(text: string): string {
  const lines = text.replace(/\r\n?/g, '\n').split('\n');
  let lastUnquoted = lines.length - 1;
  while (lastUnquoted >= 0 && (lines[lastUnquoted]!.trim() === '' || lines[lastUnquoted]!.trim().startsWith('>'))) lastUnquoted--;
  const cut = lines.findIndex((_, i) => startsQuote(lines, i, lastUnquoted));
  const kept = (cut === -1 ? lines : lines.slice(0, cut)).join('\n').trim();
  return kept === '' ? text.trim() : kept;
}
