import jsQR from 'jsqr';
import { PNG } from 'pngjs';
import { toDataURL } from 'qrcode';
import { qrPngDataUrl } from './qr-png';

function decode(dataUrl: string): { png: PNG; text: string | undefined } {
  const png = PNG.sync.read(Buffer.from(dataUrl.replace(/^data:image\/png;base64,/, ''), 'base64'));
  return { png, text: jsQR(new Uint8ClampedArray(png.data), png.width, png.height)?.data };
}

describe('qrPngDataUrl', () => {
  const url = 'otpauth://totp/Twofold:someone%40example.com?issuer=Twofold&secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP';

  it('is a PNG data URL that a QR reader decodes back to the text', () => {
    const dataUrl = qrPngDataUrl(url);
    expect(dataUrl).toMatch(/^data:image\/png;base64,/);
    expect(decode(dataUrl).text).toBe(url);
  });

  it("draws the same pixels as qrcode's own PNG renderer (quiet zone of 4 modules, 4 pixels a module)", async () => {
    const ours = decode(qrPngDataUrl(url)).png;
    const theirs = decode(await toDataURL(url, { errorCorrectionLevel: 'M' })).png;
    expect([ours.width, ours.height]).toEqual([theirs.width, theirs.height]);
    expect(ours.data.equals(theirs.data)).toBe(true);
  });
});
