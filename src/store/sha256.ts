/** SHA-256 of a text's UTF-8 bytes, as lowercase hex: a fingerprint, or a salted key (src/store/erasure.ts). */
export type Sha256Hex = (text: string) => string | Promise<string>;

const encoder = new TextEncoder();

/** {@link Sha256Hex} by Web Crypto, which every runtime has (Workers, Node, browsers). */
export async function webCryptoSha256Hex(text: string): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', encoder.encode(text)));
  let hex = '';
  for (const byte of digest) hex += byte.toString(16).padStart(2, '0');
  return hex;
}
