import { create } from 'qrcode';
import { crc32, deflateSync } from 'node:zlib';

/** qrcode's defaults for its PNG: a quiet zone of 4 modules, 4 pixels a module. */
const MARGIN = 4;
const SCALE = 4;
/** The deflated pixels take under 1 KB: zlib's default 16 KB output buffer per call is what piled up. */
const DEFLATED_CHUNK = 1024;
const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** A PNG chunk: its data's length, its type, the data, and the CRC of type and data. */
function chunk(type: string, data: Buffer): Buffer {
  const framed = Buffer.alloc(data.length + 12);
  framed.writeUInt32BE(data.length, 0);
  framed.write(type, 4, 'latin1');
  data.copy(framed, 8);
  framed.writeUInt32BE(crc32(framed.subarray(4, data.length + 8)), data.length + 8);
  return framed;
}

/**
 * The QR code of `text` as a `data:image/png;base64,` URL: qrcode encodes the symbol, and its modules are
 * written here as a 1-bit grayscale PNG (about 7 KB of pixels, deflated at once; the same pixels). qrcode's
 * own PNG goes through pngjs as 8-bit RGBA (200 KB of pixels, copied by its filters and an asynchronous
 * deflate stream): 3-4 ms more CPU per enrollment, and native buffers that only a later garbage collection
 * frees, by then spread over a malloc heap that glibc does not give back (14 MB more RSS after 300
 * enrollments, for good). No PNG library writes 1-bit images (pngjs writes 8 bits a channel and up).
 */
export function qrPngDataUrl(text: string): string {
  const { modules } = create(text, { errorCorrectionLevel: 'M' });
  const side = (modules.size + 2 * MARGIN) * SCALE;
  const rowBytes = 1 + Math.ceil(side / 8);
  // Every row starts with filter type 0 (none); a set bit is white, so the quiet zone is all ones.
  const pixels = Buffer.alloc(rowBytes * side, 0xff);
  for (let y = 0; y < side; y++) {
    const row = y * rowBytes;
    pixels[row] = 0;
    const moduleRow = Math.floor(y / SCALE) - MARGIN;
    if (moduleRow < 0 || moduleRow >= modules.size) continue;
    for (let x = 0; x < side; x++) {
      const moduleColumn = Math.floor(x / SCALE) - MARGIN;
      if (moduleColumn < 0 || moduleColumn >= modules.size) continue;
      if (modules.data[moduleRow * modules.size + moduleColumn]) pixels[row + 1 + (x >> 3)] &= ~(0x80 >> (x & 7));
    }
  }
  const header = Buffer.alloc(13);
  header.writeUInt32BE(side, 0);
  header.writeUInt32BE(side, 4);
  header[8] = 1; // bit depth
  header[9] = 0; // grayscale; compression, filter method and interlace stay 0
  const png = Buffer.concat([
    SIGNATURE,
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(pixels, { chunkSize: DEFLATED_CHUNK })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
  return `data:image/png;base64,${png.toString('base64')}`;
}
