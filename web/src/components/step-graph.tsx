import dagre from '@dagrejs/dagre';
import { useMemo } from 'preact/hooks';
import type { WorkflowGraphResponse } from '../../../src/api/run-events-schemas.js';

type StepGraphNode = WorkflowGraphResponse['nodes'][number];
import { mapItemStatuses, type LiveStepStatus } from '../live/run-event-state.js';

const NODE_HEIGHT = 46;
const MAP_HEIGHT = 74;
const CHIP = 10;

interface Placed {
  node: StepGraphNode;
  x: number;
  y: number;
  width: number;
  height: number;
}

/** Lays the steps out left to right with dagre: boxes sized to their ids, edges from `needs`. */
function layout(nodes: StepGraphNode[]) {
  const g = new dagre.graphlib.Graph();
  g.setGraph({ rankdir: 'LR', nodesep: 18, ranksep: 46, marginx: 8, marginy: 8 });
  g.setDefaultEdgeLabel(() => ({}));
  for (const node of nodes) {
    const width = Math.max(110, Math.min(260, node.id.length * 8 + 40));
    g.setNode(node.id, { width, height: node.children ? MAP_HEIGHT : NODE_HEIGHT });
  }
  for (const node of nodes) for (const need of node.needs) if (g.hasNode(need)) g.setEdge(need, node.id);
  dagre.layout(g);
  const placed: Placed[] = nodes.map((node) => {
    const n = g.node(node.id);
    return { node, x: n.x - n.width / 2, y: n.y - n.height / 2, width: n.width, height: n.height };
  });
  const edges = g.edges().map((e) => ({ from: e.v, to: e.w, points: g.edge(e).points ?? [] }));
  const size = g.graph();
  return { placed, edges, width: Math.max(size.width ?? 0, 120), height: Math.max(size.height ?? 0, NODE_HEIGHT) };
}

/**
 * The workflow's step graph as one SVG: a box per step carrying `data-step-id` and
 * `data-status` (coloured by its live status), arrows for `needs`, and a `map` step's items
 * grouped inside its box as small squares (`data-item-index`, `data-status`).
 */
export function StepGraph({ nodes, statuses = {}, label = 'Step graph' }: { nodes: StepGraphNode[]; statuses?: Record<string, LiveStepStatus>; label?: string }) {
  const laid = useMemo(() => layout(nodes), [nodes]);
  return (
    <div class="graph-scroll">
      <svg class="step-graph" role="img" aria-label={label} width={laid.width} height={laid.height} viewBox={`0 0 ${laid.width} ${laid.height}`}>
        <defs>
          <marker id="graph-arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse">
            <path d="M 0 0 L 10 5 L 0 10 z" class="graph-arrow" />
          </marker>
        </defs>
        {laid.edges.map((edge) => (
          <path
            key={`${edge.from}->${edge.to}`}
            class="graph-edge"
            data-from={edge.from}
            data-to={edge.to}
            d={edge.points.map((p: { x: number; y: number }, i: number) => `${i === 0 ? 'M' : 'L'} ${p.x} ${p.y}`).join(' ')}
            marker-end="url(#graph-arrow)"
          />
        ))}
        {laid.placed.map(({ node, x, y, width, height }) => {
          const status = statuses[node.id] ?? 'PENDING';
          const items = node.children ? mapItemStatuses(node.id, statuses) : [];
          const perRow = Math.max(1, Math.floor((width - 20) / (CHIP + 3)));
          return (
            <g key={node.id} class={`graph-node status-${status.toLowerCase()}`} data-step-id={node.id} data-status={status} transform={`translate(${x} ${y})`}>
              <title>{`${node.id} (${node.type}): ${status}`}</title>
              <rect width={width} height={height} rx="7" />
              <text x="10" y="19" class="graph-id">{node.id}</text>
              <text x="10" y="35" class="graph-type">{node.children ? `${node.type} · ${items.length} item${items.length === 1 ? '' : 's'}` : `${node.type} · ${status.toLowerCase()}`}</text>
              {items.slice(0, perRow * 2).map((item, i) => (
                  <rect
                    key={item.index}
                    class={`graph-item status-${item.status.toLowerCase()}`}
                    data-item-index={item.index}
                    data-status={item.status}
                    x={10 + (i % perRow) * (CHIP + 3)}
                    y={44 + Math.floor(i / perRow) * (CHIP + 3)}
                    width={CHIP}
                    height={CHIP}
                    rx="2"
                  />
              ))}
            </g>
          );
        })}
      </svg>
    </div>
  );
}
