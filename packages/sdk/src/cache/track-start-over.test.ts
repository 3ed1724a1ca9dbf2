// TrackPublisher.startOver(): a source that numbers its segments anew (a restarted publisher) replaces
// what the track holds at its first segment, instead of being refused as a duplicate or ranked as old.
import { describe, expect, it } from "vitest";
import { CacheError } from "./error.ts";
import { createTrack, type TrackPublisher } from "./track.ts";

function write(track: TrackPublisher, sequence: number, byte: number): void {
  const segment = track.createSegment({ sequence, priority: 0 });
  segment.writeChunk(new Uint8Array([byte]));
  segment.close();
}

describe("startOver", () => {
  it("keeps the old run readable until the new run's first segment, then lets it go", async () => {
    const [publisher, root] = createTrack("catalog.json", { keepLatest: true });
    const reader = root.clone();
    for (let sequence = 0; sequence <= 3; sequence++) write(publisher, sequence, 10 + sequence);
    const taken = reader.tryNextSegment(); // 3, the newest
    expect(taken?.sequence).toBe(3);

    publisher.startOver();
    expect(root.cached().segments).toBe(4);
    expect(root.segment(0)).toBeDefined();

    write(publisher, 0, 20); // no duplicate: the old 0 is gone with the rest of the old run
    expect(root.cached().segments).toBe(1);
    expect(root.latestSequence).toBe(0);
    expect(root.segment(3)).toBeUndefined();
    const next = reader.tryNextSegment();
    expect(next?.sequence).toBe(0);
    expect(await next?.readChunk()).toEqual(new Uint8Array([20]));
    expect(reader.tryNextSegment()).toBeUndefined(); // the old 0..2 it had not taken are gone
    // A segment given before the new run carries on for its reader.
    expect(await taken?.readChunk()).toEqual(new Uint8Array([13]));

    // Within the new run a held sequence is still a duplicate, and an older one is still older.
    expect(() => write(publisher, 0, 21)).toThrow(CacheError);
    write(publisher, 2, 22);
    write(publisher, 1, 21);
    expect(reader.tryNextSegment()?.sequence).toBe(2);
    expect(reader.tryNextSegment()?.sequence).toBe(1);
    expect(root.latestSequence).toBe(2);
  });

  it("keeps the new run's newest (keepLatest), not the old run's", () => {
    const [publisher, root] = createTrack("video", { keepLatest: true });
    write(publisher, 7, 7);
    publisher.startOver();
    const segment = publisher.createSegment({ sequence: 0, priority: 0, expiresMs: 0 });
    segment.close();
    // Expired at once would be the rule, but as the newest it stays; the old newest 7 does not.
    expect(root.segment(0)).toBeDefined();
    expect(root.segment(7)).toBeUndefined();
  });

  it("throws on a closed track", () => {
    const [publisher, root] = createTrack("t");
    root.close();
    expect(() => publisher.startOver()).toThrow(CacheError);
  });
});
