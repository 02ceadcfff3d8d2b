// The camera tree: grid hierarchy (district → street → community → grid cell)
// with each cell's cameras, online/offline badges, counts and a search box.
// Click puts a camera on the wall, drag drops it on a chosen tile.
import { useState } from 'preact/hooks';
import type { Channel, Grid } from '../api/types.ts';
import { t } from '../i18n/index.ts';
import { channels, channelState, grids, offlineReason } from '../store/registry.ts';
import { DRAG_CAMERA } from './tile.tsx';
import { placeCamera, visibleCameras } from './wall-state.ts';

interface Node { grid: Grid | null; cameras: Channel[]; children: Node[]; online: number; total: number }

function buildTree(all: Grid[], cams: Channel[]): Node[] {
  const nodes = new Map<string, Node>(all.map((g) => [g.code, { grid: g, cameras: [], children: [], online: 0, total: 0 }]));
  const roots: Node[] = [];
  for (const node of nodes.values()) {
    const parent = node.grid?.parentCode ? nodes.get(node.grid.parentCode) : undefined;
    (parent ? parent.children : roots).push(node);
  }
  const unplaced: Node = { grid: null, cameras: [], children: [], online: 0, total: 0 };
  for (const c of cams) (c.gridCode ? nodes.get(c.gridCode) ?? unplaced : unplaced).cameras.push(c);
  if (unplaced.cameras.length) roots.push(unplaced);
  const count = (n: Node): Node => {
    n.children = n.children.map(count).filter((c) => c.total > 0);
    n.total = n.cameras.length + n.children.reduce((s, c) => s + c.total, 0);
    n.online = n.cameras.filter((c) => channelState(c) === 'online').length + n.children.reduce((s, c) => s + c.online, 0);
    return n;
  };
  return roots.map(count).filter((n) => n.total > 0);
}

export function CameraTree() {
  const [query, setQuery] = useState('');
  const q = query.trim().toLowerCase();
  const cams = channels.value.filter((c) => !q || c.name.toLowerCase().includes(q) || c.id.toLowerCase().includes(q) || c.tags.some((tag) => tag.toLowerCase().includes(q)));
  const onWall = new Set(visibleCameras());
  return (
    <div class="camera-tree" data-testid="camera-tree">
      <input type="search" placeholder={t('wall.searchCameras')} value={query} onInput={(e) => setQuery(e.currentTarget.value)} />
      <ul>{buildTree(grids.value, cams).map((n) => <TreeNode key={n.grid?.code ?? '-'} node={n} onWall={onWall} open={!!q} />)}</ul>
    </div>
  );
}

function TreeNode({ node, onWall, open }: { node: Node; onWall: Set<string>; open: boolean }) {
  const [expanded, setExpanded] = useState(true);
  const show = expanded || open;
  return (
    <li>
      <button type="button" class="tree-group" onClick={() => setExpanded(!expanded)} aria-expanded={show}>
        <span class="caret">{show ? '▾' : '▸'}</span> {node.grid?.name ?? t('wall.unplaced')} <span class="muted">{node.online}/{node.total}</span>
      </button>
      {show && (
        <ul>
          {node.children.map((c) => <TreeNode key={c.grid?.code} node={c} onWall={onWall} open={open} />)}
          {node.cameras.map((c) => <CameraItem key={c.id} camera={c} onWall={onWall.has(c.id)} />)}
        </ul>
      )}
    </li>
  );
}

function CameraItem({ camera, onWall }: { camera: Channel; onWall: boolean }) {
  const state = channelState(camera);
  return (
    <li
      class={`camera${onWall ? ' on-wall' : ''}`}
      draggable
      data-camera={camera.id}
      title={state === 'offline' ? `${camera.id}: ${offlineReason(camera) ?? ''}` : camera.id}
      onDragStart={(e) => e.dataTransfer?.setData(DRAG_CAMERA, camera.id)}
      onClick={() => placeCamera(camera.id)}
    >
      <span class={`dot ${state}`} /> {camera.name} <span class={`badge ${state}`}>{t(`state.${state}`)}</span>
    </li>
  );
}
