/** Content types recognised from a file's first bytes (magic numbers); the client's header is never trusted. */
interface Signature {
  type: string;
  ext: string;
  test(head: Buffer): boolean;
}

const startsWith = (head: Buffer, bytes: number[], at = 0) => bytes.every((b, i) => head[at + i] === b);
const ascii = (s: string) => [...s].map((c) => c.charCodeAt(0));

const SIGNATURES: Signature[] = [
  { type: 'image/jpeg', ext: '.jpg', test: (h) => startsWith(h, [0xff, 0xd8, 0xff]) },
  { type: 'image/png', ext: '.png', test: (h) => startsWith(h, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]) },
  { type: 'image/gif', ext: '.gif', test: (h) => startsWith(h, ascii('GIF87a')) || startsWith(h, ascii('GIF89a')) },
  { type: 'image/webp', ext: '.webp', test: (h) => startsWith(h, ascii('RIFF')) && startsWith(h, ascii('WEBP'), 8) },
  { type: 'application/pdf', ext: '.pdf', test: (h) => startsWith(h, ascii('%PDF-')) },
  { type: 'application/zip', ext: '.zip', test: (h) => startsWith(h, [0x50, 0x4b, 0x03, 0x04]) },
];

/**
 * Office Open XML files are zip archives holding `[Content_Types].xml` and a folder of their kind (`ppt/`,
 * `word/`, `xl/`). Both are read from the local headers within the first bytes; the name decides only for a
 * package whose kind's folder lies further in. A plain zip stays a zip whatever it is called.
 */
const OOXML: Record<string, { type: string; folder: string }> = {
  '.pptx': { type: 'application/vnd.openxmlformats-officedocument.presentationml.presentation', folder: 'ppt/' },
  '.docx': { type: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document', folder: 'word/' },
  '.xlsx': { type: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', folder: 'xl/' },
};

/** Bytes read to recognise a file: the signatures above and a zip's first entry names. */
export const SNIFF_BYTES = 4096;

const LOCAL_HEADER = Buffer.from([0x50, 0x4b, 0x03, 0x04]);

/** Names of the zip entries whose local headers lie whole within `head`. */
function zipEntries(head: Buffer): string[] {
  const names: string[] = [];
  for (
    let at = head.indexOf(LOCAL_HEADER);
    at !== -1 && at + 30 <= head.length;
    at = head.indexOf(LOCAL_HEADER, at + 4)
  ) {
    const length = head.readUInt16LE(at + 26);
    if (at + 30 + length > head.length) break;
    names.push(head.toString('latin1', at + 30, at + 30 + length));
  }
  return names;
}

export function detectType(head: Buffer, filename: string): { type: string; ext: string } | undefined {
  const sig = SIGNATURES.find((s) => s.test(head));
  if (!sig) return undefined;
  if (sig.type === 'application/zip') {
    const entries = zipEntries(head);
    if (entries.includes('[Content_Types].xml')) {
      const named = /\.[a-z]+$/i.exec(filename)?.[0]?.toLowerCase() ?? '';
      const byBytes = Object.entries(OOXML).find(([, o]) => entries.some((e) => e.startsWith(o.folder)));
      const found = byBytes ?? (OOXML[named] ? ([named, OOXML[named]] as const) : undefined);
      if (found) return { type: found[1].type, ext: found[0] };
    }
  }
  return { type: sig.type, ext: sig.ext };
}

/** A display name safe to echo in headers and listings: no directories, control characters or odd symbols. */
export function sanitizeFilename(raw: string | undefined, ext: string): string {
  const base = (raw ?? '').split(/[\\/]/).pop() ?? '';
  const cleaned = base
    .normalize('NFC')
    .replace(/[\p{Cc}\p{Cf}]/gu, '')
    .replace(/[<>:"|?*]/g, '_')
    .replace(/^\.+/, '')
    .trim()
    .slice(0, 200);
  return cleaned || `file${ext}`;
}
