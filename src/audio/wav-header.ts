/** Reads a RIFF/WAVE header: enough to know the duration without downloading the samples. */
export interface WavFormat {
  /** 1 PCM, 3 IEEE float, 6 A-law, 7 µ-law, 0xfffe extensible. */
  formatTag: number;
  channels: number;
  sampleRate: number;
  byteRate: number;
  bitsPerSample: number;
  dataOffset: number;
  /** Declared size of the data chunk; null when the writer left it open (streamed WAVs write 0 or 0xFFFFFFFF). */
  dataBytes: number | null;
}

export function parseWavHeader(buf: Buffer): WavFormat | null {
  if (buf.length < 12 || buf.toString('ascii', 0, 4) !== 'RIFF' || buf.toString('ascii', 8, 12) !== 'WAVE') return null;
  let offset = 12;
  let fmt: Omit<WavFormat, 'dataOffset' | 'dataBytes'> | null = null;
  while (offset + 8 <= buf.length) {
    const id = buf.toString('ascii', offset, offset + 4);
    const size = buf.readUInt32LE(offset + 4);
    const body = offset + 8;
    if (id === 'fmt ' && body + 16 <= buf.length) {
      fmt = {
        formatTag: buf.readUInt16LE(body),
        channels: buf.readUInt16LE(body + 2),
        sampleRate: buf.readUInt32LE(body + 4),
        byteRate: buf.readUInt32LE(body + 8),
        bitsPerSample: buf.readUInt16LE(body + 14),
      };
    } else if (id === 'data') {
      if (!fmt || fmt.byteRate === 0) return null;
      return { ...fmt, dataOffset: body, dataBytes: size === 0 || size === 0xffffffff ? null : size };
    }
    offset = body + size + (size % 2);
  }
  return null;
}

/** Duration in seconds; `totalBytes` (the whole file's size) covers WAVs whose data size was left open. */
export function wavDurationSeconds(format: WavFormat, totalBytes?: number): number | null {
  const dataBytes = format.dataBytes ?? (totalBytes !== undefined ? totalBytes - format.dataOffset : null);
  return dataBytes === null ? null : dataBytes / format.byteRate;
}

/** A canonical 44-byte RIFF/WAVE header for `dataBytes` of interleaved samples. */
export function wavHeader(format: { formatTag: number; sampleRate: number; channels: number; bitsPerSample: number }, dataBytes: number): Buffer {
  const blockAlign = (format.channels * format.bitsPerSample) / 8;
  const header = Buffer.alloc(44);
  header.write('RIFF', 0, 'ascii');
  header.writeUInt32LE(Math.min(0xffffffff, 36 + dataBytes), 4);
  header.write('WAVE', 8, 'ascii');
  header.write('fmt ', 12, 'ascii');
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(format.formatTag, 20);
  header.writeUInt16LE(format.channels, 22);
  header.writeUInt32LE(format.sampleRate, 24);
  header.writeUInt32LE(format.sampleRate * blockAlign, 28);
  header.writeUInt16LE(blockAlign, 32);
  header.writeUInt16LE(format.bitsPerSample, 34);
  header.write('data', 36, 'ascii');
  header.writeUInt32LE(Math.min(0xffffffff, dataBytes), 40);
  return header;
}
