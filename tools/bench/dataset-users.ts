/** The highest user id of a MovieLens ratings.csv (`userId,movieId,rating,timestamp`), read in one streaming pass. */
import fs from 'node:fs';

export async function maxUserId(ratingsFile: string): Promise<number> {
  let max = 0;
  let id = 0;
  // 0: at a line's start, reading its user id; 1: past the first comma (or a header), skipping to the newline
  let state = 0;
  for await (const chunk of fs.createReadStream(ratingsFile, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>) {
    for (let i = 0; i < chunk.length; i++) {
      const c = chunk[i]!;
      if (c === 10) {
        if (state === 0 && id > max) max = id;
        id = 0;
        state = 0;
      } else if (state === 0) {
        if (c >= 48 && c <= 57) id = id * 10 + (c - 48);
        else {
          if (c === 44 && id > max) max = id;
          state = 1;
        }
      }
    }
  }
  if (state === 0 && id > max) max = id;
  return max;
}
