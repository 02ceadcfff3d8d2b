// What one upper platform is given: all channels, or those in some grid cells
// (each with the cells below it), with some tags, or named one by one.
import type { Coverage, Scopes } from '../../../device-registry/index.ts';
import type { ChannelView } from './channel-book.ts';
import type { ShareConfig } from './config.ts';

export class ShareFilter {
  private coverage: Coverage | undefined;
  private readonly channels: ReadonlySet<string>;
  private readonly tags: ReadonlySet<string>;
  private readonly grids: readonly string[];

  constructor(private readonly share: ShareConfig, private readonly scopes: Scopes) {
    const some = 'all' in share ? {} : share;
    this.channels = new Set(some.channels ?? []);
    this.tags = new Set(some.tags ?? []);
    this.grids = some.grids ?? [];
  }

  /** Works the grid cells out again (the grid tree may have changed); cheap when it has not. */
  async refresh(): Promise<void> {
    this.coverage = this.grids.length ? await this.scopes.coverageOf(this.grids) : undefined;
  }

  shares(v: ChannelView | undefined): boolean {
    if (!v || !v.enabled) return false;
    if ('all' in this.share) return true;
    if (this.channels.has(v.id)) return true;
    if (v.tags.some((t) => this.tags.has(t))) return true;
    return this.coverage !== undefined && this.coverage !== null && v.gridCode !== undefined && this.coverage.has(v.gridCode);
  }
}
