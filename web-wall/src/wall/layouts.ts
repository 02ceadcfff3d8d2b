// Wall layouts: equal grids (1, 4, 9, 16) and feature layouts where tile 0 is
// large (1+5 on a 3×3 grid, 1+7 on a 4×4 grid). Each tile is a CSS grid area.
export type LayoutId = '1' | '4' | '9' | '16' | '1+5' | '1+7';

export interface Layout {
  id: LayoutId;
  columns: number;
  /** Per tile: [column, row, span] (1-based, square spans). */
  areas: Array<[number, number, number]>;
}

function grid(id: LayoutId, n: number): Layout {
  const areas: Layout['areas'] = [];
  for (let r = 1; r <= n; r++) for (let c = 1; c <= n; c++) areas.push([c, r, 1]);
  return { id, columns: n, areas };
}

/** One big tile spanning (n-1)×(n-1) in the top left, the rest around its right and bottom edges. */
function feature(id: LayoutId, n: number): Layout {
  const areas: Layout['areas'] = [[1, 1, n - 1]];
  for (let r = 1; r < n; r++) areas.push([n, r, 1]);
  for (let c = n; c >= 1; c--) areas.push([c, n, 1]);
  return { id, columns: n, areas };
}

export const LAYOUTS: Record<LayoutId, Layout> = {
  '1': grid('1', 1),
  '4': grid('4', 2),
  '9': grid('9', 3),
  '16': grid('16', 4),
  '1+5': feature('1+5', 3),
  '1+7': feature('1+7', 4),
};
export const LAYOUT_IDS = Object.keys(LAYOUTS) as LayoutId[];
export const MAX_TILES = 16;

export const tileCount = (id: LayoutId) => LAYOUTS[id].areas.length;
