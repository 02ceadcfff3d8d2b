// Which PES timestamps belong to which access unit. ISO/IEC 13818-1 §2.4.3.7:
// a PES packet's PTS/DTS refer to the first access unit that starts in that
// packet. The assemblers record the stream offset where each PES payload
// starts and ask, for an access unit starting at offset N, for the unused
// timestamps of the packet holding N.

interface Marker {
  offset: number;
  pts?: number;
  dts?: number;
  used: boolean;
}

export interface Timestamps {
  pts?: number;
  dts?: number;
}

export class PesTimestamps {
  private markers: Marker[] = [];

  /** A PES packet whose payload starts at stream offset `offset`. */
  mark(offset: number, pts?: number, dts?: number): void {
    const last = this.markers[this.markers.length - 1];
    // A PES packet with an empty payload is superseded by the next one at the same offset.
    if (last && last.offset === offset) this.markers.pop();
    this.markers.push({ offset, pts, dts, used: false });
  }

  /** Timestamps for an access unit starting at `offset`, once per PES packet; {} when none. */
  take(offset: number): Timestamps {
    const marker = this.prune(offset);
    if (!marker || marker.used || marker.pts === undefined) return {};
    marker.used = true;
    return marker.dts === undefined ? { pts: marker.pts } : { pts: marker.pts, dts: marker.dts };
  }

  /** Forgets packets that end before `offset`; returns the one holding it. */
  prune(offset: number): Marker | undefined {
    let i = this.markers.length - 1;
    while (i >= 0 && this.markers[i]!.offset > offset) i--;
    if (i > 0) this.markers = this.markers.slice(i);
    return i >= 0 ? this.markers[0] : undefined;
  }
}
