/** Reads a RIFF/WAVE header: enough to know the duration without downloading the samples. */
export interface WavFormat {
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
