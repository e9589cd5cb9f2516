import { describe, expect, it } from 'vitest';
import { detectType, SNIFF_BYTES } from './files.sniff.js';

/** The local entries of a stored (uncompressed) zip: all the detection reads. */
function zip(entries: [string, string | Buffer][]): Buffer {
  return Buffer.concat(
    entries.flatMap(([name, content]) => {
      const data = Buffer.from(content);
      const header = Buffer.alloc(30);
      header.writeUInt32LE(0x04034b50, 0);
      header.writeUInt16LE(20, 4);
      header.writeUInt32LE(data.length, 18);
      header.writeUInt32LE(data.length, 22);
      header.writeUInt16LE(Buffer.byteLength(name), 26);
      return [header, Buffer.from(name), data];
    }),
  );
}
const pptx = (title: string) =>
  zip([
    ['[Content_Types].xml', '<Types/>'],
    ['ppt/presentation.xml', `<p:presentation><!-- ${title} --></p:presentation>`],
  ]);

const PPTX = 'application/vnd.openxmlformats-officedocument.presentationml.presentation';
const DOCX = 'application/vnd.openxmlformats-officedocument.wordprocessingml.document';
const head = (b: Buffer) => b.subarray(0, SNIFF_BYTES);

describe('file types from the bytes: Office Open XML against plain zip', () => {
  it('a plain zip is a zip whatever its name says', () => {
    const plain = zip([['t1.txt', 'hello']]);
    for (const name of ['x.pptx', 'x.docx', 'x.zip', 'x']) {
      expect(detectType(head(plain), name), name).toEqual({ type: 'application/zip', ext: '.zip' });
    }
  });

  it('a presentation is a pptx whatever its name says, from its entries', () => {
    for (const name of ['p.zip', 'p.pptx', 'p.docx', 'p']) {
      expect(detectType(head(pptx('deck')), name), name).toEqual({ type: PPTX, ext: '.pptx' });
    }
  });

  it('a package whose kind lies beyond the first bytes takes the kind its name gives', () => {
    const doc = zip([
      ['[Content_Types].xml', '<Types/>'],
      ['docProps/padding.bin', Buffer.alloc(SNIFF_BYTES)],
      ['word/document.xml', '<w:document/>'],
    ]);
    expect(detectType(head(doc), 'letter.docx')).toEqual({ type: DOCX, ext: '.docx' });
    expect(detectType(head(doc), 'letter.zip')).toEqual({ type: 'application/zip', ext: '.zip' });
  });
});
