// SHA-256 (FIPS 180-4) in plain JavaScript. Web Crypto's digest is asynchronous, and the authorize
// URL is built synchronously, as in the Python SDK; this package may not import `node:crypto`
// (it runs in browsers and edge runtimes). Used only for the PKCE challenge of a short verifier.

// The constants are derived as FIPS 180-4 defines them (§4.2.2, §5.3.3), exactly, in integers, at
// the first hash (0.5 ms): as 72 literals they cost a browser bundle 0.6 kB gzipped.
let constants: { roundConstants: Uint32Array; initialHash: Uint32Array } | undefined;

function sha256Constants(): { roundConstants: Uint32Array; initialHash: Uint32Array } {
  constants ??= {
    /** First 32 bits of the fractional parts of the cube roots of the first 64 primes. */
    roundConstants: fractionBitsOfRoots(64, 3n),
    /** First 32 bits of the fractional parts of the square roots of the first 8 primes. */
    initialHash: fractionBitsOfRoots(8, 2n),
  };
  return constants;
}

/** For each of the first `count` primes, the first 32 bits of the fractional part of its `degree`-th root. */
function fractionBitsOfRoots(count: number, degree: bigint): Uint32Array {
  const primes: number[] = [];
  for (let candidate = 2; primes.length < count; candidate += 1) {
    if (primes.every((prime) => candidate % prime !== 0)) primes.push(candidate);
  }
  // floor(root(p) * 2^32) = floor(root(p * 2^(32 * degree))); its low 32 bits are the fraction's.
  return Uint32Array.from(primes, (prime) => Number(integerRoot(BigInt(prime) << (32n * degree), degree) & 0xffffffffn));
}

/** floor(value^(1/degree)), by Newton's method on integers from above. */
function integerRoot(value: bigint, degree: bigint): bigint {
  let root = 1n << BigInt(Math.ceil(value.toString(2).length / Number(degree)));
  for (;;) {
    const next = ((degree - 1n) * root + value / root ** (degree - 1n)) / degree;
    if (next >= root) return root;
    root = next;
  }
}

const rotateRight = (value: number, bits: number) => (value >>> bits) | (value << (32 - bits));

/**
 * The SHA-256 digest of `message`.
 *
 * @param message - The bytes to hash.
 * @returns The 32-byte digest.
 */
export function sha256(message: Uint8Array): Uint8Array {
  const paddedLength = Math.ceil((message.length + 9) / 64) * 64;
  const padded = new Uint8Array(paddedLength);
  padded.set(message);
  padded[message.length] = 0x80;
  const view = new DataView(padded.buffer);
  view.setUint32(paddedLength - 8, Math.floor(message.length / 0x20000000));
  view.setUint32(paddedLength - 4, (message.length << 3) >>> 0);

  const { roundConstants, initialHash } = sha256Constants();
  const hash = Uint32Array.from(initialHash);
  const schedule = new Uint32Array(64);
  for (let block = 0; block < paddedLength; block += 64) {
    for (let t = 0; t < 16; t += 1) schedule[t] = view.getUint32(block + t * 4);
    for (let t = 16; t < 64; t += 1) {
      const w15 = schedule[t - 15] as number;
      const w2 = schedule[t - 2] as number;
      const s0 = rotateRight(w15, 7) ^ rotateRight(w15, 18) ^ (w15 >>> 3);
      const s1 = rotateRight(w2, 17) ^ rotateRight(w2, 19) ^ (w2 >>> 10);
      schedule[t] = ((schedule[t - 16] as number) + s0 + (schedule[t - 7] as number) + s1) >>> 0;
    }
    let [a, b, c, d, e, f, g, h] = hash as unknown as [number, number, number, number, number, number, number, number];
    for (let t = 0; t < 64; t += 1) {
      const s1 = rotateRight(e, 6) ^ rotateRight(e, 11) ^ rotateRight(e, 25);
      const choice = (e & f) ^ (~e & g);
      const temp1 = (h + s1 + choice + (roundConstants[t] as number) + (schedule[t] as number)) >>> 0;
      const s0 = rotateRight(a, 2) ^ rotateRight(a, 13) ^ rotateRight(a, 22);
      const majority = (a & b) ^ (a & c) ^ (b & c);
      const temp2 = (s0 + majority) >>> 0;
      h = g;
      g = f;
      f = e;
      e = (d + temp1) >>> 0;
      d = c;
      c = b;
      b = a;
      a = (temp1 + temp2) >>> 0;
    }
    [a, b, c, d, e, f, g, h].forEach((value, index) => {
      hash[index] = ((hash[index] as number) + value) >>> 0;
    });
  }
  const digest = new Uint8Array(32);
  const output = new DataView(digest.buffer);
  hash.forEach((value, index) => output.setUint32(index * 4, value));
  return digest;
}
