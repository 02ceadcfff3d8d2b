// One ECharts chart (bar, line or pie), tree-shaken: only the charts and
// components the dashboard draws are registered. A click on a bar, point or
// slice calls `onPick` with its key (the drill-down).
import { useEffect, useRef } from 'preact/hooks';
import { BarChart, LineChart, PieChart } from 'echarts/charts';
import { GridComponent, LegendComponent, TooltipComponent } from 'echarts/components';
import { init, use, type ComposeOption, type ECharts } from 'echarts/core';
import { CanvasRenderer } from 'echarts/renderers';
import type { BarSeriesOption, LineSeriesOption, PieSeriesOption } from 'echarts/charts';
import type { GridComponentOption, TooltipComponentOption } from 'echarts/components';

use([BarChart, LineChart, PieChart, GridComponent, LegendComponent, TooltipComponent, CanvasRenderer]);

type Option = ComposeOption<BarSeriesOption | LineSeriesOption | PieSeriesOption | GridComponentOption | TooltipComponentOption>;

export interface ChartProps {
  kind: 'bar' | 'line' | 'pie' | 'hbar';
  /** Keys (for the drill-down) with the label shown and the value. */
  data: Array<{ key: string; label: string; value: number }>;
  onPick?: (key: string) => void;
  height?: number;
  /** Larger type for the big screen. */
  fontSize?: number;
  testId: string;
}

function optionOf(p: ChartProps): Option {
  const fontSize = p.fontSize ?? 12;
  const labels = p.data.map((d) => d.label);
  const values = p.data.map((d) => d.value);
  const text = { color: '#cfd8e3', fontSize };
  if (p.kind === 'pie') {
    return {
      animation: false, tooltip: { trigger: 'item' },
      series: [{ type: 'pie', radius: ['35%', '70%'], label: { ...text, formatter: '{b}: {c}' }, data: p.data.map((d) => ({ name: d.label, value: d.value })) }],
    };
  }
  const categories = { type: 'category' as const, data: labels, axisLabel: { ...text, rotate: p.kind === 'hbar' ? 0 : labels.length > 12 ? 45 : 0 } };
  const numbers = { type: 'value' as const, minInterval: 1, axisLabel: text, splitLine: { lineStyle: { color: '#2a3442' } } };
  return {
    animation: false,
    tooltip: { trigger: 'axis' },
    grid: { left: p.kind === 'hbar' ? Math.max(120, fontSize * 8) : 48 + fontSize, right: 16, top: 8 + fontSize, bottom: labels.length > 12 && p.kind !== 'hbar' ? 72 : 32 },
    xAxis: p.kind === 'hbar' ? numbers : categories,
    yAxis: p.kind === 'hbar' ? { ...categories, inverse: true } : numbers,
    series: [p.kind === 'line'
      ? { type: 'line', data: values, smooth: false, symbolSize: 6, areaStyle: { opacity: 0.15 } }
      : { type: 'bar', data: values, itemStyle: { color: '#3d8bfd' }, label: { show: labels.length <= 12, position: p.kind === 'hbar' ? 'right' : 'top', ...text } }],
  };
}

export function Chart(p: ChartProps) {
  const el = useRef<HTMLDivElement>(null);
  const chart = useRef<ECharts | null>(null);
  const pick = useRef(p.onPick);
  pick.current = p.onPick;
  const keys = useRef(p.data.map((d) => d.key));
  keys.current = p.data.map((d) => d.key);
  useEffect(() => {
    const c = init(el.current!, undefined, { renderer: 'canvas' });
    chart.current = c;
    c.on('click', (e) => {
      const key = keys.current[e.dataIndex];
      if (key !== undefined) pick.current?.(key);
    });
    // Resized on the next frame: resizing inside the observer's callback changes layout again
    // ("ResizeObserver loop completed", an uncaught error event with no error).
    const resized = new ResizeObserver(() => requestAnimationFrame(() => !c.isDisposed() && c.resize()));
    resized.observe(el.current!);
    return () => {
      resized.disconnect();
      c.dispose();
    };
  }, []);
  useEffect(() => {
    chart.current?.setOption(optionOf(p), true);
  }, [p.kind, JSON.stringify(p.data), p.fontSize]);
  return <div ref={el} class="chart" data-testid={p.testId} style={{ height: `${p.height ?? 220}px` }} />;
}
