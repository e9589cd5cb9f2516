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

/** Office Open XML files are zip archives; the name tells which kind (their bytes are checked as zip). */
const OOXML: Record<string, string> = {
  '.pptx': 'application/vnd.openxmlformats-officedocument.presentationml.presentation',
  '.docx': 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  '.xlsx': 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
};

/** Bytes needed to recognise every signature above. */
export const SNIFF_BYTES = 16;

export function detectType(head: Buffer, filename: string): { type: string; ext: string } | undefined {
  const sig = SIGNATURES.find((s) => s.test(head));
  if (!sig) return undefined;
  if (sig.type === 'application/zip') {
    const ext = /\.[a-z]+$/i.exec(filename)?.[0]?.toLowerCase() ?? '';
    const office = OOXML[ext];
    if (office) return { type: office, ext };
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
